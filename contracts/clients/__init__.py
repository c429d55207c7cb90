"""What the clients service accepts: request shapes and vocabularies."""
