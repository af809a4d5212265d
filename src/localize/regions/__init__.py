"""Region profiles: the model, profile files, packs and the built-in profiles."""
