"""Sync: moving events between the nodes of one school (stations and the district).

    bundle   the sealed file of events a receiver lacks (USB sticks, district import/export)
    peers    what each peer is known to hold, so the next bundle carries only what it lacks
    usb      one sync with a mounted stick
    net      one sync with the district server over HTTP(S)
"""
