package io.flinkcumo.engine.routing;

/** The three places CuMo routes tokens to experts. */
public enum Component {
    /** CLIP-MoE: every vision encoder layer (top-2 of 4). */
    VISION,
    /** MLP-MoE connector (top-2 of 4). */
    PROJECTOR,
    /** Mixtral's sparse MoE blocks (top-2 of 8); absent for Mistral. */
    LLM;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
