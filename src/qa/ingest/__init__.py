"""Files to text, sentences and chunks: everything before a vector or a row exists."""
