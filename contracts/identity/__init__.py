"""What the identity service accepts: request shapes and vocabularies."""
