package io.flinkcumo.engine.routing;

import java.util.List;

/** Every MoE layer's routing statistics for one request, vision first, then projector, then LLM. */
public record RoutingStats(List<LayerRouting> layers) {

    /** The layers of one component, in layer order. */
    public List<LayerRouting> of(Component component) {
        return layers.stream().filter(l -> l.component() == component).toList();
    }
}
