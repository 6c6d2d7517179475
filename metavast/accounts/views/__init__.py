"""Web pages of the account: thin views over forms and services, one module per flow."""
