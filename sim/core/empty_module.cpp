// Placeholder translation unit for a model folder that has no sources yet.
