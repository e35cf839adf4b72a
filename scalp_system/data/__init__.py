"""Data: validation at the door, latest books with TTL, history rings, memory guard, rotation, CSV import."""
