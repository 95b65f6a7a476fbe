"""The local stack: an embedded AWS emulator (moto server), the same tables
and queues the code uses, demo data, the API, and a notification worker."""
