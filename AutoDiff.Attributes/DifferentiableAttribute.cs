using System;

namespace AutoDiff
{
    /// <summary>
    /// Marks a method for compile-time differentiation. The AutoDiff generator emits companion
    /// methods next to it in the same partial type: <c>{Name}Gradient</c>, <c>{Name}Vjp</c>
    /// (reverse mode) and <c>{Name}Jvp</c> (forward mode), and for a scalar-valued method
    /// <c>{Name}Hvp</c> and <c>{Name}Hessian</c> (forward mode over reverse mode).
    /// </summary>
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
    public sealed class DifferentiableAttribute : Attribute
    {
        /// <summary>
        /// Whether to generate the second-order companions <c>{Name}Hvp</c> and <c>{Name}Hessian</c> of a
        /// scalar-valued method (default <c>true</c>). Set it to <c>false</c> to halve the generated code
        /// of a method that needs only first derivatives.
        /// </summary>
        public bool SecondOrder { get; set; } = true;

        /// <summary>
        /// Whether callers differentiate this method's body as part of their own (default <c>false</c>): a
        /// call is then replaced by the method's body before differentiation, so a caller's reverse sweep
        /// records what it needs instead of calling <c>{Name}Vjp</c>, which recomputes the forward pass. It
        /// pays for small helpers called in hot loops, at the cost of larger callers. It applies where the
        /// method is static or called on <c>this</c>, is not recursive, creates no buffers, and its span
        /// arguments are the caller's own parameters; other calls go through the companions as usual.
        /// </summary>
        public bool Inline { get; set; }

        /// <summary>
        /// The number of snapshots the reverse sweep may keep of the method's outermost loop (default <c>0</c>: no
        /// checkpointing, every iteration is recorded). With <c>Checkpoints = s</c> the forward sweep runs the loop as the
        /// method does and keeps only the loop-carried state at the start of each of at most <c>s</c> segments; the reverse
        /// sweep runs each segment again from its snapshot, recording it, and reverses it. Tape memory becomes
        /// <c>s</c> snapshots plus one segment's records instead of every iteration's, for about one more run of the loop.
        /// Where the snapshots go is <see cref="CheckpointPolicy"/>. The loop must be a counting loop whose trip count is
        /// known when it starts (README, "Checkpointing"); otherwise ADIFF022 says why and every iteration is recorded.
        /// </summary>
        public int Checkpoints { get; set; }

        /// <summary>How the snapshots of <see cref="Checkpoints"/> are placed (default <see cref="AutoDiff.CheckpointPolicy.EveryK"/>).</summary>
        public CheckpointPolicy CheckpointPolicy { get; set; }
    }

    /// <summary>How a checkpointed loop's snapshots are placed (<see cref="DifferentiableAttribute.Checkpoints"/>).</summary>
    public enum CheckpointPolicy
    {
        /// <summary>
        /// A snapshot every k = ⌈n / s⌉ iterations: the loop runs once more in all, the tape holds s snapshots and one
        /// segment of k iterations. Fastest when n / s iterations' records fit in memory.
        /// </summary>
        EveryK = 0,

        /// <summary>
        /// Griewank and Walther's binomial schedule (Revolve, <c>AutoDiff.Checkpointing.Revolve</c>): at most s snapshots and
        /// no segment recorded, one iteration at a time, for the fewest runs of the loop that memory allows (a number of
        /// extra runs that grows like log n). For loops whose state is scalars (no arrays written).
        /// </summary>
        Binomial = 1,
    }
}
