using System;
using System.Collections.Generic;

namespace AutoDiff
{
    /// <summary>
    /// The sparsity pattern of an m×n Jacobian and a grouping of its columns into colors: no two columns of one color
    /// have a nonzero in the same row (a distance-1 coloring of the column intersection graph, found greedily). One
    /// forward sweep along the sum of a color's unit vectors then gives every nonzero of those columns at once, so the
    /// generated <c>MJacobian(…, jacobian, coloring)</c> costs one <c>Jvp</c> per color instead of one per column: four
    /// for a banded Lorenz-96 Jacobian of any size, instead of n.
    /// <para>
    /// The pattern must contain every entry that can be nonzero; an entry outside it is reported as zero, and the
    /// columns that share its color get wrong values. Build it from what you know of the function's structure
    /// (<see cref="FromPattern"/>), or from a dense Jacobian at a generic point (<see cref="FromJacobian"/>), which finds
    /// the entries that are nonzero there; branches that are not taken there are not seen. Build it once and reuse it.
    /// </para>
    /// </summary>
    public sealed class JacobianColoring
    {
        private readonly int[] _colorOf;
        /// <summary>Per color, its nonzeros as (row, column) pairs, flattened; <see cref="_start"/> indexes them by color.</summary>
        private readonly int[] _entries;
        private readonly int[] _start;

        private JacobianColoring(int rows, int columns, int[] colorOf, int colors, int[] entries, int[] start)
        {
            Rows = rows;
            Columns = columns;
            _colorOf = colorOf;
            ColorCount = colors;
            _entries = entries;
            _start = start;
        }

        /// <summary>m, the total length of the outputs.</summary>
        public int Rows { get; }

        /// <summary>n, the total length of the active inputs.</summary>
        public int Columns { get; }

        /// <summary>The number of colors: the forward sweeps a Jacobian costs.</summary>
        public int ColorCount { get; }

        /// <summary>The number of entries in the pattern.</summary>
        public int NonzeroCount => _entries.Length / 2;

        /// <summary>The color of column <paramref name="column"/>.</summary>
        public int ColorOf(int column) => _colorOf[column];

        /// <summary>A coloring for the Jacobian whose possibly nonzero entries are <paramref name="nonzeros"/> (row, column); duplicates are ignored.</summary>
        public static JacobianColoring FromPattern(int rows, int columns, IEnumerable<(int Row, int Column)> nonzeros)
        {
            if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows));
            if (columns < 0) throw new ArgumentOutOfRangeException(nameof(columns));
            if (nonzeros is null) throw new ArgumentNullException(nameof(nonzeros));
            var seen = new HashSet<long>();
            var byRow = new List<int>[rows];
            var byColumn = new List<int>[columns];
            foreach (var (row, column) in nonzeros)
            {
                if ((uint)row >= (uint)rows || (uint)column >= (uint)columns)
                    throw new ArgumentOutOfRangeException(nameof(nonzeros), "(" + row + ", " + column + ") is outside the " + rows + " × " + columns + " Jacobian.");
                if (!seen.Add((long)row * columns + column)) continue;
                (byRow[row] ??= new List<int>()).Add(column);
                (byColumn[column] ??= new List<int>()).Add(row);
            }

            // Greedy, columns in order: the smallest color no column sharing a row with this one has.
            var colorOf = new int[columns];
            var forbiddenFor = new int[columns + 1];
            for (int k = 0; k < forbiddenFor.Length; k++) forbiddenFor[k] = -1;
            int colors = 0;
            for (int column = 0; column < columns; column++)
            {
                if (byColumn[column] != null)
                {
                    foreach (int row in byColumn[column])
                    {
                        foreach (int other in byRow[row])
                        {
                            if (other < column) forbiddenFor[colorOf[other]] = column;
                        }
                    }
                }
                int color = 0;
                while (forbiddenFor[color] == column) color++;
                colorOf[column] = color;
                if (color + 1 > colors) colors = color + 1;
            }

            // The entries grouped by color, for the scatter after each sweep.
            var start = new int[colors + 1];
            for (int column = 0; column < columns; column++) start[colorOf[column] + 1] += 2 * (byColumn[column]?.Count ?? 0);
            for (int c = 0; c < colors; c++) start[c + 1] += start[c];
            var entries = new int[start[colors]];
            var next = (int[])start.Clone();
            for (int column = 0; column < columns; column++)
            {
                if (byColumn[column] == null) continue;
                foreach (int row in byColumn[column])
                {
                    int at = next[colorOf[column]];
                    entries[at] = row;
                    entries[at + 1] = column;
                    next[colorOf[column]] = at + 2;
                }
            }
            return new JacobianColoring(rows, columns, colorOf, colors, entries, start);
        }

        /// <summary>A coloring for the pattern of the nonzero entries of a dense <paramref name="rows"/> × <paramref name="columns"/> Jacobian, row-major.</summary>
        public static JacobianColoring FromJacobian(int rows, int columns, ReadOnlySpan<double> jacobian)
        {
            if (jacobian.Length != rows * columns) throw new ArgumentException("jacobian must have rows × columns elements.", nameof(jacobian));
            var nonzeros = new List<(int, int)>();
            for (int row = 0; row < rows; row++)
            {
                for (int column = 0; column < columns; column++)
                {
                    if (jacobian[row * columns + column] != 0) nonzeros.Add((row, column));
                }
            }
            return FromPattern(rows, columns, nonzeros);
        }

        /// <summary>Throws unless the Jacobian is <paramref name="rows"/> × <paramref name="columns"/>: for generated code.</summary>
        public void CheckShape(int rows, int columns)
        {
            if (rows != Rows || columns != Columns)
                throw new ArgumentException("The coloring is for a " + Rows + " × " + Columns + " Jacobian; this one is " + rows + " × " + columns + ".");
        }

        /// <summary>
        /// Writes the tangent of the inputs whose columns start at <paramref name="firstColumn"/> for the sweep of
        /// <paramref name="color"/>: 1 for a column of that color, 0 otherwise.
        /// </summary>
        public void Seed(int color, Span<double> tangent, int firstColumn)
        {
            for (int k = 0; k < tangent.Length; k++) tangent[k] = _colorOf[firstColumn + k] == color ? 1 : 0;
        }

        /// <inheritdoc cref="Seed(int, Span{double}, int)"/>
        public void Seed(int color, Span<float> tangent, int firstColumn)
        {
            for (int k = 0; k < tangent.Length; k++) tangent[k] = _colorOf[firstColumn + k] == color ? 1 : 0;
        }

        /// <summary>
        /// Copies the sweep of <paramref name="color"/> (the output tangents, concatenated: row r of each column of that
        /// color) into the entries of the pattern in those columns of the row-major <paramref name="jacobian"/>.
        /// </summary>
        public void Scatter(int color, ReadOnlySpan<double> compressed, Span<double> jacobian)
        {
            for (int at = _start[color]; at < _start[color + 1]; at += 2) jacobian[_entries[at] * Columns + _entries[at + 1]] = compressed[_entries[at]];
        }

        /// <inheritdoc cref="Scatter(int, ReadOnlySpan{double}, Span{double})"/>
        public void Scatter(int color, ReadOnlySpan<float> compressed, Span<float> jacobian)
        {
            for (int at = _start[color]; at < _start[color + 1]; at += 2) jacobian[_entries[at] * Columns + _entries[at + 1]] = compressed[_entries[at]];
        }
    }
}
