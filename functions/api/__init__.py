"""Lambda function package."""
