"""The message centre: per-user notifications, their live feed and their delivery."""
