"""Questions a user asks of the store directly: text search with context, SQL over the store."""
