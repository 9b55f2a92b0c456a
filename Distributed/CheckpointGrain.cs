namespace AutoDiff.Functional.Distributed;

/// <summary>A training run's checkpoint, one grain per run name, its state kept by the grain-state provider named
/// <see cref="CheckpointGrain.Storage"/> (Redis in a real cluster, memory in the unit tests' TestingHost). The grain
/// can die with its silo; its next activation, on any silo, reads the last checkpoint back from the provider.</summary>
public interface ICheckpoint : IGrainWithStringKey
{
    /// <summary>Writes <paramref name="checkpoint"/> to the provider; returns when it is stored.</summary>
    Task Save(TrainingCheckpoint checkpoint);

    /// <summary>The last checkpoint stored for this run, or null if none.</summary>
    Task<TrainingCheckpoint?> Load();

    /// <summary>Forgets the run (a fresh start under the same name).</summary>
    Task Clear();
}

/// <summary>The checkpoint grain: a thin wrapper over Orleans' persistent state.</summary>
public sealed class CheckpointGrain([PersistentState("run", CheckpointGrain.Storage)] IPersistentState<CheckpointGrain.State> state) : Grain, ICheckpoint
{
    /// <summary>The name of the grain-state provider a silo must configure for checkpoints.</summary>
    public const string Storage = "checkpoints";

    /// <summary>The stored state: the last checkpoint, if any.</summary>
    [GenerateSerializer]
    public sealed class State
    {
        /// <summary>The last checkpoint, or null.</summary>
        [Id(0)] public TrainingCheckpoint? Last { get; set; }
    }

    /// <inheritdoc/>
    public async Task Save(TrainingCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        state.State.Last = checkpoint;
        await state.WriteStateAsync();
    }

    /// <inheritdoc/>
    public async Task<TrainingCheckpoint?> Load()
    {
        // Read through to the provider: what counts is what is stored, not what this activation last wrote.
        await state.ReadStateAsync();
        return state.State.Last;
    }

    /// <inheritdoc/>
    public Task Clear() => state.ClearStateAsync();
}
