package io.hspace.atlas;

/**
 * Who computes h: recorded in the manifest for provenance.
 *
 * @param modelIdentity hash of the model's configs and weights; must equal the settings' identity
 * @param modelPath where the model was loaded from (informational)
 * @param engine engine name and versions, e.g. "hspace-native 0.1.0, libtorch 2.9.1, cpu fp32"
 */
public record ExtractorIdentity(String modelIdentity, String modelPath, String engine) {}
