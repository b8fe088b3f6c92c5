"""`/routing`: where customer reports are misrouted, and the routing changes that save most."""
