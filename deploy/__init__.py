"""What the Rasa server loads besides the model (the launcher with its fixes, the catalog NLG, the
meaning component, the tracker store, the REST channel) and what starts the servers in
`make serve` / `make serve-prod` (the supervisor, the nginx configuration)."""
