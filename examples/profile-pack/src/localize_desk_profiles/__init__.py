"""Region profiles for localize: the YAML files in this folder (group localize.profiles)."""
