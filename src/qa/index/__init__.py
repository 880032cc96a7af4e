"""Where chunks, vectors and document state are kept, and how an index is built and updated."""
