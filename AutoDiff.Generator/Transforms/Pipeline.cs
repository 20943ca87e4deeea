using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AutoDiff.Generator.Ir;
using Microsoft.CodeAnalysis.Diagnostics;

namespace AutoDiff.Generator.Transforms
{
    /// <summary>
    /// Which optimisation passes run, and whether the IR is verified after every pass. Part of the incremental cache
    /// key (a record of booleans). Every optimisation can be switched off and the numbers stay the same: the test mode
    /// "optimisations off" checks that (DEVELOPERS.md, "Pipeline").
    /// </summary>
    public sealed record PassOptions
    {
        /// <summary>Reverse: adjoint·(q·p) chains, contributions summed before they are added, a·k₁ + a·k₂ as a·(k₁ + k₂).</summary>
        public bool FactorAdjoints { get; init; } = true;

        /// <summary>Reverse: a loop that only accumulates runs its adjoint inside itself (<c>Reverse.Fusion.cs</c>).</summary>
        public bool FuseLoops { get; init; } = true;

        /// <summary>Reverse: a loop whose values are cheap to redo is replayed forwards in the reverse sweep instead of taped.</summary>
        public bool ReplayLoops { get; init; } = true;

        /// <summary>Reverse: cheap values and loop counters are recomputed in the reverse sweep instead of recorded.</summary>
        public bool Recompute { get; init; } = true;

        /// <summary>Folding of constant branches after each transform (the builder's own local folding and dead-code elimination always run).</summary>
        public bool Simplify { get; init; } = true;

        /// <summary>A Gradient or Hvp writes a span a single loop tiles instead of clearing it and adding (<see cref="Transforms.Overwrite"/>).</summary>
        public bool Overwrite { get; init; } = true;

        /// <summary>A loop with a known trip count reserves its tapes' room once, so its pushes are unchecked (<see cref="Transforms.ReserveTapes"/>).</summary>
        public bool ReserveTapes { get; init; } = true;

        /// <summary>A loop-invariant element of a buffer the function allocates lives in a local through the loop (<see cref="Transforms.PromoteElements"/>).</summary>
        public bool PromoteElements { get; init; } = true;

        /// <summary>Before any companion: a read of an element an earlier read of it reads unchanged takes that read's value (<see cref="Transforms.MergeReads"/>).</summary>
        public bool MergeReads { get; init; } = true;

        /// <summary>
        /// Reverse: the reverse sweep's element accesses, each at an index the forward sweep already checked on a sequence of
        /// the same length, are written without bounds checks (<see cref="Ir.InRange"/>, <c>AutoDiff.Unchecked.At</c>).
        /// </summary>
        public bool InRange { get; init; } = true;

        /// <summary>Loops of a finished companion that run the same iterations, one after the other, run as one loop (<see cref="Transforms.FuseAdjointLoops"/>).</summary>
        public bool FuseAdjointLoops { get; init; } = true;

        /// <summary>A buffer a loop fills, read at one place after it, is computed at that read instead (<see cref="Transforms.FillAtUse"/>).</summary>
        public bool FillAtUse { get; init; } = true;
        /// <summary>A value and its pullback that can run together (the cotangent known before the value) are one runtime call (<see cref="Transforms.MergePullbacks"/>).</summary>
        public bool MergePullbacks { get; init; } = true;

        /// <summary>
        /// A reverse loop that sums into a local adjoint runs several iterations at once in the lanes of a
        /// <c>System.Numerics.Vector</c> (<see cref="Transforms.VectorSums"/>); the last pass of every companion.
        /// </summary>
        public bool VectorSums { get; init; } = true;

        /// <summary>
        /// A loop that maps elements, counting up, runs several iterations at once in vector lanes aligned to its end
        /// (<see cref="Transforms.VectorMaps"/>); after <see cref="VectorSums"/>.
        /// </summary>
        public bool VectorMaps { get; init; } = true;

        /// <summary>Runs <see cref="IrVerifier"/> on the input and after every pass, throwing <see cref="IrVerificationException"/>.</summary>
        public bool Verify { get; init; } = Pipeline.VerifyByDefault;

        /// <summary>Every optimisation on; verification as the build of the generator says (on in Debug).</summary>
        public static PassOptions Default { get; } = new PassOptions();

        /// <summary>Every optimisation pass off: plain forward and reverse mode.</summary>
        public PassOptions WithoutOptimizations() => this with
        {
            FactorAdjoints = false, FuseLoops = false, ReplayLoops = false, Recompute = false, Simplify = false, Overwrite = false, ReserveTapes = false, PromoteElements = false,
            MergeReads = false, InRange = false, FuseAdjointLoops = false, FillAtUse = false, MergePullbacks = false, VectorSums = false, VectorMaps = false,
        };

        /// <summary>Whether every optimisation is on.</summary>
        public bool Optimize => FactorAdjoints && FuseLoops && ReplayLoops && Recompute && Simplify && Overwrite && ReserveTapes && PromoteElements
            && MergeReads && InRange && FuseAdjointLoops && FillAtUse && MergePullbacks && VectorSums && VectorMaps;

        /// <summary>The switch names of <see cref="Off"/> and <c>AutoDiffDisabledPasses</c>, with what each turns off.</summary>
        public static IReadOnlyList<string> OptimizationNames { get; } = new[]
        {
            Pipeline.FactorAdjointsName, Pipeline.FuseLoopsName, Pipeline.ReplayLoopsName, Pipeline.RecomputeName, Pipeline.SimplifyName, Pipeline.OverwriteName, Pipeline.ReserveTapesName, Pipeline.PromoteElementsName,
            Pipeline.MergeReadsName, Pipeline.InRangeName, Pipeline.FuseAdjointLoopsName, Pipeline.FillAtUseName, Pipeline.MergePullbacksName, Pipeline.VectorSumsName, Pipeline.VectorMapsName,
        };

        /// <summary>These options with the named optimisation off; an unknown name is ignored.</summary>
        public PassOptions Off(string name) => name.Trim() switch
        {
            Pipeline.FactorAdjointsName => this with { FactorAdjoints = false },
            Pipeline.FuseLoopsName => this with { FuseLoops = false },
            Pipeline.ReplayLoopsName => this with { ReplayLoops = false },
            Pipeline.RecomputeName => this with { Recompute = false },
            Pipeline.SimplifyName => this with { Simplify = false },
            Pipeline.OverwriteName => this with { Overwrite = false },
            Pipeline.ReserveTapesName => this with { ReserveTapes = false },
            Pipeline.PromoteElementsName => this with { PromoteElements = false },
            Pipeline.MergeReadsName => this with { MergeReads = false },
            Pipeline.InRangeName => this with { InRange = false },
            Pipeline.FuseAdjointLoopsName => this with { FuseAdjointLoops = false },
            Pipeline.FillAtUseName => this with { FillAtUse = false },
            Pipeline.MergePullbacksName => this with { MergePullbacks = false },
            Pipeline.VectorSumsName => this with { VectorSums = false },
            Pipeline.VectorMapsName => this with { VectorMaps = false },
            _ => this,
        };

        /// <summary>
        /// From MSBuild properties made visible to the compiler (<c>CompilerVisibleProperty</c>): <c>AutoDiffOptimize</c>
        /// (<c>false</c> turns every optimisation off), <c>AutoDiffDisabledPasses</c> (names separated by <c>;</c> or
        /// <c>,</c>) and <c>AutoDiffVerifyIr</c> (<c>true</c> verifies after every pass, <c>false</c> never).
        /// </summary>
        public static PassOptions From(AnalyzerConfigOptions global)
        {
            var options = Default;
            if (global.TryGetValue("build_property.AutoDiffOptimize", out var optimize) && IsFalse(optimize)) options = options.WithoutOptimizations();
            if (global.TryGetValue("build_property.AutoDiffDisabledPasses", out var disabled) && disabled != null)
            {
                foreach (var name in disabled.Split(new[] { ';', ',' }, StringSplitOptions.RemoveEmptyEntries)) options = options.Off(name);
            }
            if (global.TryGetValue("build_property.AutoDiffVerifyIr", out var verify) && !string.IsNullOrWhiteSpace(verify)) options = options with { Verify = !IsFalse(verify) };
            return options;
        }

        private static bool IsFalse(string? value) => string.Equals(value?.Trim(), "false", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The IR a pass produced breaks an invariant <see cref="IrVerifier"/> checks: a bug in that pass.</summary>
    public sealed class IrVerificationException : Exception
    {
        public IrVerificationException(string pass, string function, IReadOnlyList<string> errors)
            : base("IR verification failed after pass '" + pass + "' on " + function + ": " + string.Join("; ", errors.Take(5)) + (errors.Count > 5 ? "; … (" + errors.Count + " errors)" : ""))
        {
            Pass = pass;
            Function = function;
            Errors = errors;
        }

        /// <summary>The pass whose output failed (<c>frontend</c> for the primal as lowered).</summary>
        public string Pass { get; }

        public string Function { get; }

        public IReadOnlyList<string> Errors { get; }
    }

    /// <summary>One named IR → IR step. An optimisation names the switch that turns it off; a pass without one always runs.</summary>
    public sealed class Pass
    {
        public Pass(string name, Func<IrFunction, IrFunction> run, Func<PassOptions, bool>? enabled = null)
        {
            Name = name;
            RunPass = run;
            Enabled = enabled;
        }

        public string Name { get; }

        public Func<IrFunction, IrFunction> RunPass { get; }

        /// <summary>Null for a pass that is not an optimisation (a transform, the Gradient's specialisation).</summary>
        public Func<PassOptions, bool>? Enabled { get; }

        public bool IsOptimization => Enabled != null;
    }

    /// <summary>
    /// Runs lists of passes in order over a function, verifying the result of each when <see cref="PassOptions.Verify"/>
    /// is on, and records what ran (<see cref="Trace"/>) for tests. The lists for each companion are in
    /// <c>Companions.Build</c> (Emit/CompanionEmitter.cs) and <c>SecondOrderCompanions</c>.
    /// </summary>
    public sealed class Pipeline
    {
        public const string FactorAdjointsName = "factor-adjoints";
        public const string FuseLoopsName = "fuse-loops";
        public const string ReplayLoopsName = "replay-loops";
        public const string RecomputeName = "recompute";
        public const string SimplifyName = "simplify";
        public const string OverwriteName = "overwrite";
        public const string ReserveTapesName = "reserve-tapes";
        public const string PromoteElementsName = "promote-elements";
        public const string InRangeName = "in-range";
        public const string MergeReadsName = Transforms.MergeReads.Name;
        public const string FuseAdjointLoopsName = Transforms.FuseAdjointLoops.Name;
        public const string FillAtUseName = Transforms.FillAtUse.Name;
        public const string MergePullbacksName = Transforms.MergePullbacks.Name;
        public const string VectorSumsName = Transforms.VectorSums.Name;
        public const string VectorMapsName = Transforms.VectorMaps.Name;

        /// <summary>Verification is on by default in a Debug build of the generator.</summary>
        public static bool VerifyByDefault
        {
            get
            {
#if DEBUG
                return true;
#else
                return false;
#endif
            }
        }

        private readonly List<string> _trace = new List<string>();

        public Pipeline(PassOptions options, CancellationToken cancellationToken)
        {
            Options = options;
            CancellationToken = cancellationToken;
        }

        public PassOptions Options { get; }

        public CancellationToken CancellationToken { get; }

        /// <summary>Each pass that ran, as <c>function: pass</c>, in order; skipped optimisations are not listed.</summary>
        public IReadOnlyList<string> Trace => _trace;

        /// <summary>Checks a function that no pass made here (the lowered primal), as the output of <paramref name="source"/>.</summary>
        public IrFunction Input(string source, IrFunction function)
        {
            if (Options.Verify) Check(source, function);
            return function;
        }

        /// <summary>Runs <paramref name="passes"/> in order on <paramref name="function"/>, skipping the optimisations that are off.</summary>
        public IrFunction Run(IrFunction function, params Pass[] passes)
        {
            foreach (var pass in passes)
            {
                CancellationToken.ThrowIfCancellationRequested();
                if (pass.Enabled != null && !pass.Enabled(Options)) continue;
                var input = function;
                function = pass.RunPass(function);
                _trace.Add(function.Name + ": " + pass.Name);
                // (A planning pass returns its input: what it decided is in a plan the next pass reads.)
                if (Options.Verify && !ReferenceEquals(function, input)) Check(pass.Name, function);
            }
            return function;
        }

        /// <summary>Throws <see cref="IrVerificationException"/> naming <paramref name="pass"/> when <paramref name="function"/> breaks an IR invariant.</summary>
        public static void Check(string pass, IrFunction function)
        {
            var errors = IrVerifier.Verify(function);
            if (errors.Count > 0) throw new IrVerificationException(pass, function.Name, errors);
        }

        // ---- the passes shared by every companion ----

        /// <summary>
        /// Constant branches folded, dead code dropped (<see cref="Transforms.Simplify.Run"/>); with the switch off, only
        /// <see cref="DeadCode"/>, which always runs: code nothing reads would be a compiler warning in generated code.
        /// </summary>
        public Pass Simplify() => Options.Simplify ? new Pass(SimplifyName, f => Transforms.Simplify.Run(f, CancellationToken), o => o.Simplify) : DeadCode();

        /// <summary>Dead code dropped, nothing folded: not an optimisation (it changes no number), so it always runs.</summary>
        public Pass DeadCode() => new Pass("dead-code", Transforms.Simplify.EliminateDeadCode);

        /// <summary>
        /// <see cref="Transforms.Overwrite"/> over the span parameters <paramref name="spans"/> picks; the indices it rewrote
        /// (spans that then need no clearing) go to <paramref name="written"/>.
        /// </summary>
        public Pass Overwrite(Func<IrFunction, IReadOnlyList<int>> spans, Action<IReadOnlyList<int>> written) =>
            new Pass(OverwriteName, f =>
            {
                var (result, rewritten) = Transforms.Overwrite.Run(f, spans(f));
                written(rewritten);
                return result;
            }, o => o.Overwrite);

        /// <summary>A reserve before each loop that knows its trip count, its pushes unchecked (<see cref="Transforms.ReserveTapes"/>); the last pass of a companion that pushes.</summary>
        public Pass ReserveTapes() => new Pass(ReserveTapesName, Transforms.ReserveTapes.Run, o => o.ReserveTapes);

        /// <summary>Loop-invariant elements of the function's own buffers kept in locals through their loop (<see cref="Transforms.PromoteElements"/>); run on each finished companion that has a loop.</summary>
        public Pass PromoteElements() => new Pass(PromoteElementsName, Transforms.PromoteElements.Run, o => o.PromoteElements);

        /// <summary>Loops of one block over the same iterations run as one (<see cref="Transforms.FuseAdjointLoops"/>); run on each finished companion that has a loop, before <see cref="PromoteElements"/>.</summary>
        public Pass FuseAdjointLoops() => new Pass(FuseAdjointLoopsName, Transforms.FuseAdjointLoops.Run, o => o.FuseAdjointLoops);

        /// <summary>A filled buffer read at one place computes the element there (<see cref="Transforms.FillAtUse"/>); run on each finished companion that has a loop, after <see cref="PromoteElements"/>.</summary>
        public Pass FillAtUse() => new Pass(FillAtUseName, Transforms.FillAtUse.Run, o => o.FillAtUse);

        /// <summary>A value and its pullback as one call (<see cref="Transforms.MergePullbacks"/>); run on each finished companion that has an effect, after <see cref="FillAtUse"/>.</summary>
        public Pass MergePullbacks() => new Pass(MergePullbacksName, Transforms.MergePullbacks.Run, o => o.MergePullbacks);

        /// <summary>Reverse loops summing into a local run in vector lanes (<see cref="Transforms.VectorSums"/>); run on each finished companion that has a loop, before <see cref="VectorMaps"/>.</summary>
        public Pass VectorSums() => new Pass(VectorSumsName, Transforms.VectorSums.Run, o => o.VectorSums);

        /// <summary>Loops mapping elements run in vector lanes aligned to their end (<see cref="Transforms.VectorMaps"/>); the last pass of each finished companion that has a loop.</summary>
        public Pass VectorMaps() => new Pass(VectorMapsName, Transforms.VectorMaps.Run, o => o.VectorMaps);

        /// <summary>Repeated reads of one element made one value (<see cref="Transforms.MergeReads"/>); run once on the primal, before every companion.</summary>
        public Pass MergeReads() => new Pass(MergeReadsName, Transforms.MergeReads.Run, o => o.MergeReads);

        /// <summary>The names of the passes of <paramref name="passes"/> that run under these options, in order.</summary>
        public IReadOnlyList<string> Names(IEnumerable<Pass> passes) => passes.Where(p => p.Enabled == null || p.Enabled(Options)).Select(p => p.Name).ToList();
    }
}
