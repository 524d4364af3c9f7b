"""Small constructs shared by the stacks."""
