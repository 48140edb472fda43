"""Assessment's command handlers: one transaction per command, load -> decide -> append ->
project the read models from the new state."""
