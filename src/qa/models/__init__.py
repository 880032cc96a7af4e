"""The embedding model: sentence-transformers at index time, its ONNX export for answering."""
