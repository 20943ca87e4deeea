using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace AutoDiff.Generator.Frontend
{
    /// <summary>
    /// One [Differentiable] method's analysis, as its callers and its own diagnostics need it: the
    /// <see cref="MethodModel"/> (its IR, which callers copy for in-place and inlined calls, whether it
    /// generates at all (<see cref="MethodModel.CanGenerate"/>) and whether it has second-order companions
    /// (<see cref="MethodModel.SecondOrder"/>)) and the diagnostics of that method alone, reported only by
    /// the analysis of the method itself, never by a caller's.
    /// </summary>
    /// <remarks>
    /// <para><see cref="Reached"/> and <see cref="Context"/> say when the summary may be reused. A method whose
    /// analysis is under way is not analysed again: a call back into it (recursion) is taken as it stands and its
    /// own analysis decides. So a summary computed while some callers were being analysed can depend on which:
    /// <see cref="Context"/> is the set of methods under way (outside this one) that its analysis reached, and the
    /// summary is valid for another lookup exactly when the methods under way there that it reaches are the same
    /// set. For a call graph without cycles that set is always empty, and every method is analysed once.</para>
    /// </remarks>
    internal sealed class CalleeSummary
    {
        public CalleeSummary(MethodModel model, ImmutableArray<Diagnostic> diagnostics, HashSet<IMethodSymbol> reached, HashSet<IMethodSymbol> context)
        {
            Model = model;
            Diagnostics = diagnostics;
            Reached = reached;
            Context = context;
        }

        public MethodModel Model { get; }

        /// <summary>The method's own diagnostics.</summary>
        public ImmutableArray<Diagnostic> Diagnostics { get; }

        /// <summary>Every [Differentiable] method its analysis looked at, directly or through its callees' summaries.</summary>
        public HashSet<IMethodSymbol> Reached { get; }

        /// <summary>The methods of <see cref="Reached"/> that were under way (callers further up) when it was computed.</summary>
        public HashSet<IMethodSymbol> Context { get; }
    }

    /// <summary>
    /// The summaries of a compilation's [Differentiable] methods, so that each method is analysed once per
    /// compilation, by the generator and by the analyzer alike, however many call sites it has: callers look the
    /// callee's summary up instead of analysing it again. Held per <see cref="Compilation"/> (weakly: the table
    /// goes with the compilation) and keyed by the method symbol, so no compiler object reaches the generator's
    /// incremental pipeline (only the symbol-free <see cref="MethodModel"/> does). Thread-safe: the analyzer runs
    /// methods concurrently; two threads may then both analyse one method, and keep equal results.
    /// </summary>
    internal static class CalleeSummaries
    {
        private sealed class Frame
        {
            public Frame(IMethodSymbol method) => Method = method;

            public IMethodSymbol Method { get; }

            public HashSet<IMethodSymbol> Reached { get; } = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
        }

        private static readonly ConditionalWeakTable<Compilation, ConcurrentDictionary<IMethodSymbol, ImmutableArray<CalleeSummary>>> Tables =
            new ConditionalWeakTable<Compilation, ConcurrentDictionary<IMethodSymbol, ImmutableArray<CalleeSummary>>>();

        /// <summary>The analyses under way on this thread, outermost first.</summary>
        [ThreadStatic]
        private static List<Frame>? _underWay;

        /// <summary>For tests: called with each method as its analysis starts (not when a summary is reused).</summary>
        internal static Action<IMethodSymbol>? Analyzing;

        /// <summary>The symbol a method's summary is kept under: its original definition, the implementation of a partial method.</summary>
        public static IMethodSymbol Key(IMethodSymbol method)
        {
            method = method.OriginalDefinition;
            return method.PartialImplementationPart ?? method;
        }

        /// <summary>
        /// Whether <paramref name="method"/>'s analysis is under way on this thread (a recursive call: its own
        /// analysis decides). Asking counts as looking at it, for the summary of the method analysed now.
        /// </summary>
        public static bool UnderWay(IMethodSymbol method)
        {
            var underWay = _underWay;
            if (underWay == null || underWay.Count == 0) return false;
            method = Key(method);
            underWay[underWay.Count - 1].Reached.Add(method);
            return underWay.Any(f => SymbolEqualityComparer.Default.Equals(f.Method, method));
        }

        /// <summary>
        /// The summary of <paramref name="method"/> (not under way), from the table when one there is valid here,
        /// otherwise from <paramref name="analyze"/>, which fills the list it is given with the method's diagnostics.
        /// </summary>
        public static CalleeSummary Get(IMethodSymbol method, Compilation compilation, Func<List<Diagnostic>, MethodModel> analyze)
        {
            var key = Key(method);
            var table = Tables.GetValue(compilation, _ => new ConcurrentDictionary<IMethodSymbol, ImmutableArray<CalleeSummary>>(SymbolEqualityComparer.Default));
            var underWay = _underWay ??= new List<Frame>();
            if (table.TryGetValue(key, out var known))
            {
                foreach (var summary in known)
                {
                    if (!ValidHere(summary, underWay)) continue;
                    Reach(underWay, key, summary);
                    return summary;
                }
            }

            Analyzing?.Invoke(key);
            var frame = new Frame(key);
            underWay.Add(frame);
            var diagnostics = new List<Diagnostic>();
            MethodModel model;
            try
            {
                model = analyze(diagnostics);
            }
            finally
            {
                underWay.RemoveAt(underWay.Count - 1);
            }
            var context = new HashSet<IMethodSymbol>(underWay.Select(f => f.Method).Where(frame.Reached.Contains), SymbolEqualityComparer.Default);
            var computed = new CalleeSummary(model, diagnostics.ToImmutableArray(), frame.Reached, context);
            table.AddOrUpdate(key, ImmutableArray.Create(computed),
                (_, old) => old.Any(s => s.Context.SetEquals(context)) ? old : old.Add(computed));
            Reach(underWay, key, computed);
            return computed;
        }

        /// <summary>
        /// The analysis would go the same way here: the methods under way that it reaches are exactly those that were
        /// under way when it was computed.
        /// </summary>
        private static bool ValidHere(CalleeSummary summary, List<Frame> underWay)
        {
            int inContext = 0;
            foreach (var frame in underWay)
            {
                bool reached = summary.Reached.Contains(frame.Method);
                if (reached != summary.Context.Contains(frame.Method)) return false;
                if (reached) inContext++;
            }
            return inContext == summary.Context.Count;
        }

        /// <summary>The caller's analysis (if any) has looked at <paramref name="key"/> and at everything its summary did.</summary>
        private static void Reach(List<Frame> underWay, IMethodSymbol key, CalleeSummary summary)
        {
            if (underWay.Count == 0) return;
            var reached = underWay[underWay.Count - 1].Reached;
            reached.Add(key);
            reached.UnionWith(summary.Reached);
        }
    }
}
