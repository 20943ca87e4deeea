using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
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
        public CalleeSummary(MethodModel model, DifferentiableOptions options, ImmutableArray<Diagnostic> diagnostics, HashSet<IMethodSymbol> reached, HashSet<IMethodSymbol> context)
        {
            Model = model;
            Options = options;
            Diagnostics = diagnostics;
            Reached = reached;
            Context = context;
        }

        public MethodModel Model { get; }

        /// <summary>The options of its [Differentiable] attribute.</summary>
        public DifferentiableOptions Options { get; }

        /// <summary>The method's own diagnostics.</summary>
        public ImmutableArray<Diagnostic> Diagnostics { get; }

        /// <summary>Every [Differentiable] method its analysis looked at, directly or through its callees' summaries.</summary>
        public HashSet<IMethodSymbol> Reached { get; }

        /// <summary>The methods of <see cref="Reached"/> that were under way (callers further up) when it was computed.</summary>
        public HashSet<IMethodSymbol> Context { get; }
    }

    /// <summary>
    /// What the frontend keeps per <see cref="Compilation"/>, shared by every method's analysis in it (the generator's
    /// and the analyzer's alike) and held weakly (it goes with the compilation): the <see cref="KnownTypes"/>, the
    /// [DerivativeOf] methods found in it (which <see cref="CustomRules"/> checks), the methods' summaries (<see cref="CalleeSummaries"/>), which
    /// [Differentiable] bodies make calls with effects (<see cref="Purity"/>), which declarations have compiler errors,
    /// and one semantic model per syntax tree. Nothing here reaches the generator's incremental pipeline. Thread-safe:
    /// the analyzer runs methods concurrently.
    /// </summary>
    internal sealed class CompilationState
    {
        private static readonly ConditionalWeakTable<Compilation, CompilationState> States = new ConditionalWeakTable<Compilation, CompilationState>();

        private readonly Lazy<IReadOnlyList<IMethodSymbol>> _ruleMethods;
        private readonly Lazy<Dictionary<string, List<SyntaxTree>>> _treesByPath;
        private readonly ConcurrentDictionary<SyntaxTree, SemanticModel> _models = new ConcurrentDictionary<SyntaxTree, SemanticModel>();

        private CompilationState(Compilation compilation, Func<CompilationState, IEnumerable<IMethodSymbol>>? ruleMethods)
        {
            Compilation = compilation;
            Types = new KnownTypes(compilation);
            _ruleMethods = new Lazy<IReadOnlyList<IMethodSymbol>>(() => (ruleMethods != null ? ruleMethods(this) : DeclaredRules(compilation, Types)).ToList(),
                LazyThreadSafetyMode.ExecutionAndPublication);
            _treesByPath = new Lazy<Dictionary<string, List<SyntaxTree>>>(() => compilation.SyntaxTrees.GroupBy(t => t.FilePath).ToDictionary(g => g.Key, g => g.ToList()),
                LazyThreadSafetyMode.ExecutionAndPublication);
        }

        /// <summary>
        /// The state of <paramref name="compilation"/>. Its [DerivativeOf] methods are <paramref name="ruleMethods"/> when
        /// the state is made here (the generator finds them with ForAttributeWithMetadataName), otherwise those its
        /// source declares (<see cref="DeclaredRules"/>, for the analyzer).
        /// </summary>
        public static CompilationState For(Compilation compilation, Func<CompilationState, IEnumerable<IMethodSymbol>>? ruleMethods = null) =>
            States.GetValue(compilation, c => new CompilationState(c, ruleMethods));

        public Compilation Compilation { get; }

        public KnownTypes Types { get; }

        /// <summary>The compilation's [DerivativeOf] methods, which <see cref="CustomRules"/> checks.</summary>
        public IReadOnlyList<IMethodSymbol> RuleMethods => _ruleMethods.Value;

        public CalleeSummaries Summaries { get; } = new CalleeSummaries();

        /// <summary>Whether each [Differentiable] method's body makes calls with effects (<see cref="Purity"/>).</summary>
        public ConcurrentDictionary<IMethodSymbol, bool> BodyEffects { get; } = new ConcurrentDictionary<IMethodSymbol, bool>(SymbolEqualityComparer.Default);

        /// <summary>Whether each method declaration has compiler errors (binding for diagnostics is not cached by the compiler).</summary>
        public ConcurrentDictionary<SyntaxNode, bool> CompilerErrors { get; } = new ConcurrentDictionary<SyntaxNode, bool>();

        /// <summary>The options of a [Differentiable] method, or null for any other method.</summary>
        public DifferentiableOptions? Options(IMethodSymbol method) => DifferentiableOptions.Of(method, Types);

        /// <summary>
        /// The [DerivativeOf] methods <paramref name="compilation"/>'s source declares, found through their symbols (so an
        /// alias of the attribute counts, as it does for the generator's ForAttributeWithMetadataName): what the analyzer
        /// uses, which has no incremental pipeline to find them with.
        /// </summary>
        private static IEnumerable<IMethodSymbol> DeclaredRules(Compilation compilation, KnownTypes types)
        {
            if (types.DerivativeOf == null) yield break;
            var namespaces = new Stack<INamespaceSymbol>();
            var typesToVisit = new Stack<INamedTypeSymbol>();
            namespaces.Push(compilation.SourceModule.GlobalNamespace);
            while (namespaces.Count > 0)
            {
                foreach (var member in namespaces.Pop().GetMembers())
                {
                    if (member is INamespaceSymbol ns) namespaces.Push(ns);
                    else if (member is INamedTypeSymbol type) typesToVisit.Push(type);
                }
            }
            while (typesToVisit.Count > 0)
            {
                foreach (var member in typesToVisit.Pop().GetMembers())
                {
                    if (member is INamedTypeSymbol nested) typesToVisit.Push(nested);
                    else if (member is IMethodSymbol method && KnownTypes.Has(method, types.DerivativeOf)) yield return method;
                }
            }
        }

        /// <summary>The syntax trees whose file path is <paramref name="path"/>.</summary>
        public IReadOnlyList<SyntaxTree> TreesAt(string path) =>
            _treesByPath.Value.TryGetValue(path, out var trees) ? trees : (IReadOnlyList<SyntaxTree>)Array.Empty<SyntaxTree>();

        /// <summary>One semantic model per tree, so the methods of a tree (and their callers elsewhere) share its binding.</summary>
        public SemanticModel Model(SyntaxTree tree) => _models.GetOrAdd(tree, t => Compilation.GetSemanticModel(t));
    }

    /// <summary>
    /// One analysis of a method, with the analyses of callees it starts: the compilation's state and the methods under
    /// way, outermost first. Passed explicitly to everything that looks a callee up; it belongs to one thread.
    /// </summary>
    internal sealed class FrontendSession
    {
        public FrontendSession(CompilationState state) => State = state;

        public CompilationState State { get; }

        public KnownTypes Types => State.Types;

        /// <summary>The analyses under way, outermost first.</summary>
        internal List<CalleeSummaries.Frame> UnderWayFrames { get; } = new List<CalleeSummaries.Frame>();

        /// <summary>
        /// Whether <paramref name="method"/>'s analysis is under way in this session (a recursive call: its own analysis
        /// decides). Asking counts as looking at it, for the summary of the method analysed now.
        /// </summary>
        public bool UnderWay(IMethodSymbol method) => State.Summaries.UnderWay(method, this);
    }

    /// <summary>
    /// The summaries of a compilation's [Differentiable] methods (in its <see cref="CompilationState"/>), so that each
    /// method is analysed once per compilation, by the generator and by the analyzer alike, however many call sites it
    /// has: callers look the callee's summary up instead of analysing it again. Keyed by the method symbol, so no
    /// compiler object reaches the generator's incremental pipeline (only the symbol-free <see cref="MethodModel"/>
    /// does). Thread-safe: the analyzer runs methods concurrently; two threads may then both analyse one method, and
    /// keep equal results.
    /// </summary>
    internal sealed class CalleeSummaries
    {
        internal sealed class Frame
        {
            public Frame(IMethodSymbol method) => Method = method;

            public IMethodSymbol Method { get; }

            public HashSet<IMethodSymbol> Reached { get; } = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
        }

        private readonly ConcurrentDictionary<IMethodSymbol, ImmutableArray<CalleeSummary>> _table =
            new ConcurrentDictionary<IMethodSymbol, ImmutableArray<CalleeSummary>>(SymbolEqualityComparer.Default);

        /// <summary>For tests: called with each method as its analysis starts (not when a summary is reused).</summary>
        internal static Action<IMethodSymbol>? Analyzing;

        /// <summary>The symbol a method's summary is kept under: its original definition, the implementation of a partial method.</summary>
        public static IMethodSymbol Key(IMethodSymbol method)
        {
            method = method.OriginalDefinition;
            return method.PartialImplementationPart ?? method;
        }

        /// <summary>See <see cref="FrontendSession.UnderWay"/>.</summary>
        public bool UnderWay(IMethodSymbol method, FrontendSession session)
        {
            var underWay = session.UnderWayFrames;
            if (underWay.Count == 0) return false;
            method = Key(method);
            underWay[underWay.Count - 1].Reached.Add(method);
            return underWay.Any(f => SymbolEqualityComparer.Default.Equals(f.Method, method));
        }

        /// <summary>
        /// The summary of <paramref name="method"/> (not under way in <paramref name="session"/>), from the table when one
        /// there is valid here, otherwise from <paramref name="analyze"/>, which fills the list it is given with the
        /// method's diagnostics.
        /// </summary>
        public CalleeSummary Get(IMethodSymbol method, FrontendSession session, Func<List<Diagnostic>, MethodModel> analyze)
        {
            var key = Key(method);
            var underWay = session.UnderWayFrames;
            if (_table.TryGetValue(key, out var known))
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
            var computed = new CalleeSummary(model, session.State.Options(key) ?? DifferentiableOptions.Default, diagnostics.ToImmutableArray(), frame.Reached, context);
            _table.AddOrUpdate(key, ImmutableArray.Create(computed),
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
