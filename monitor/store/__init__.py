"""Reading and writing the service's data; every function takes the session it works in."""
