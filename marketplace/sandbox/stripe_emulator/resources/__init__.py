"""The /v1 endpoints, one module per group of Stripe resources. Importing a
module registers its endpoints on the ``api.bp`` blueprint."""
