"""The biller console: web pages over the services' public REST APIs."""
