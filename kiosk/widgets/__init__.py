"""Small widgets the kiosk screens are built from."""
