from localize.cli._main import main

main()
