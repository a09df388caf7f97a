"""Phone systems (Aircall, Twilio) behind one port: each adapter verifies its vendor's
webhook and reads it into a `PhoneCall`; everything after that is vendor-free."""
