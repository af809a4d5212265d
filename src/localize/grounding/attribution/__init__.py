"""Who did what: actors, act words, actions, counts and their ties."""
