"""The event pipeline: Event → TFRecord frame → file, behind one background writer thread."""
