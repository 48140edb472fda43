"""Denials commands, one transaction each: load -> decide -> append -> project read models."""
