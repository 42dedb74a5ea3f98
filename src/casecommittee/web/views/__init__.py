"""One blueprint per resource; views stay thin: parse, check scope, hand a command over."""
