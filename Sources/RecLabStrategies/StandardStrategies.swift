import ContentStrategy
import GenreStrategy
import GRU4RecStrategy
import HybridStrategy
import PersonalizedStrategy
import PopularityStrategy
import RecLabCore
import SequentialStrategy
import SLISTStrategy

extension StrategyRegistry {
    /// Every strategy RecLab ships. A new strategy is one line here; the executables build
    /// this registry once and hand it down, so the server library knows no strategy module.
    public static var standard: StrategyRegistry {
        var registry = StrategyRegistry()
        registry.register(ContentStrategy.self)
        registry.register(GenreStrategy.self)
        registry.register(PopularityStrategy.self)
        registry.register(PersonalizedStrategy.self)
        registry.register(HybridStrategy.self)
        registry.register(SequentialStrategy.self)
        registry.register(SLISTStrategy.self)
        registry.register(GRU4RecStrategy.self)
        return registry
    }
}
