"""The reviewed yardstick: news articles from publishers no model trains on, every line reviewed."""
