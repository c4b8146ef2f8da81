"""The Python worker of abw's torch:<device> and mlx:<device> backends (docs/backends/python-workers.md)."""
