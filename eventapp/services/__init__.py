"""The rules of the application. Services take ``now`` and the acting user as arguments and raise
``DomainError`` subclasses; they never read the request or the HTTP session."""
