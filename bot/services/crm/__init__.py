"""The CRM port and its two adapters: prospects come in from HubSpot or Salesforce, and every
logged call goes back there through the outbox."""
