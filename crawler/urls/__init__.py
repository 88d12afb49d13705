"""URLs: parsing, resolution, our canonical form, registrable domains."""
