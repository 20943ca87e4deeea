#!/usr/bin/env bash
# Consumer tests of the AutoDiff NuGet package, as a new user meets it:
#   1. `dotnet pack` at the repository root makes exactly one package, AutoDiff (+ its .snupkg), with the
#      generator under analyzers/dotnet/cs, the two libraries under lib/netstandard2.0 and lib/net8.0, a readme,
#      a licence, and no dependency on Roslyn;
#   2. a fresh console project outside the repository (a temp folder whose nuget.config names a folder feed
#      holding that package, and the package source this machine uses for everything else) gets it with
#      `dotnet add package AutoDiff`, builds a [Differentiable] method with warnings as errors, runs it and
#      checks the generated gradient against a hand formula — once for net8.0, once for net10.0, and once with
#      the compiler of the Microsoft.Net.Compilers.Toolset 4.14.0 package (-p:RoslynCompilerType=Custom), whose
#      build log must show that csc ran and no CS9057 (generator built for a newer compiler).
# Any failure stops the script with "consumer test FAILED: <what>" and a non-zero exit.
# Environment: AUTODIFF_CONSUMER_KEEP=1 keeps the temp folder; AUTODIFF_CONSUMER_CASES picks cases (default
# "net8.0 net10.0 toolset"); AUTODIFF_CONSUMER_NO_PACK=<folder> uses the packages already in that folder.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
toolset_version=4.14.0
cases=${AUTODIFF_CONSUMER_CASES:-"net8.0 net10.0 toolset"}

work=$(mktemp -d "${TMPDIR:-/tmp}/autodiff-consumer.XXXXXX")
if [[ ${AUTODIFF_CONSUMER_KEEP:-} == 1 ]]; then
  echo "consumer test: working in $work (kept)"
else
  trap 'rm -rf "$work"' EXIT
fi

fail() {
  echo "consumer test FAILED: $*" >&2
  exit 1
}
step() { echo "== consumer test: $*"; }
started=$SECONDS

# The package sources this machine uses (the user's NuGet configuration), read before the temp folder gets its
# own nuget.config: the consumer restores everything but AutoDiff from them.
mapfile -t sources < <(cd "$work" && dotnet nuget list source --format short | awk '$1 == "E" { print $2 }' | grep -E '^https?://' || true)
[[ ${#sources[@]} -gt 0 ]] || fail "no enabled http(s) package source in the NuGet configuration (dotnet nuget list source)"

# --- 1. The package ---------------------------------------------------------------------------------------------
feed="$work/feed"
if [[ -n ${AUTODIFF_CONSUMER_NO_PACK:-} ]]; then
  mkdir -p "$feed" && cp "$AUTODIFF_CONSUMER_NO_PACK"/*.nupkg "$AUTODIFF_CONSUMER_NO_PACK"/*.snupkg "$feed"/
else
  step "dotnet pack at the repository root"
  (cd "$repo" && dotnet pack -c Release -o "$feed" -v:q -nologo) || fail "dotnet pack at the repository root"
fi
mapfile -t packages < <(cd "$feed" && ls)
[[ ${#packages[@]} -eq 2 ]] || fail "dotnet pack made ${packages[*]:-nothing}; expected AutoDiff.<version>.nupkg and .snupkg only"
nupkg=$(cd "$feed" && ls AutoDiff.*.nupkg 2>/dev/null | grep -v '\.snupkg$' || true)
[[ -n $nupkg && -f "$feed/${nupkg%.nupkg}.snupkg" ]] || fail "expected AutoDiff.<version>.nupkg and .snupkg, found: ${packages[*]}"
version=${nupkg#AutoDiff.}
version=${version%.nupkg}
step "package $nupkg"

contents=$(unzip -Z1 "$feed/$nupkg")
# Each PackageAnalyzer of AutoDiff/AutoDiff.csproj (a project named like its assembly) under analyzers/dotnet/cs.
mapfile -t analyzers < <(sed -n 's|.*<PackageAnalyzer Include="[^"]*[\\/]\([^\\/"]*\)\.csproj".*|analyzers/dotnet/cs/\1.dll|p' "$repo/AutoDiff/AutoDiff.csproj")
[[ ${#analyzers[@]} -gt 0 ]] || fail "no PackageAnalyzer found in AutoDiff/AutoDiff.csproj"
grep -qxF analyzers/dotnet/cs/AutoDiff.Generator.dll < <(printf '%s\n' "${analyzers[@]}") || fail "the generator is not a PackageAnalyzer"
for f in "${analyzers[@]}" \
         lib/netstandard2.0/AutoDiff.Attributes.dll lib/netstandard2.0/AutoDiff.Runtime.dll \
         lib/net8.0/AutoDiff.Attributes.dll lib/net8.0/AutoDiff.Runtime.dll \
         lib/netstandard2.0/AutoDiff.Runtime.xml lib/net8.0/AutoDiff.Runtime.xml lib/net8.0/AutoDiff.Attributes.xml \
         build/AutoDiff.props buildTransitive/AutoDiff.props \
         PACKAGE.md LICENSE AutoDiff.nuspec; do
  grep -qxF "$f" <<<"$contents" || fail "$nupkg has no $f; it has: $(tr '\n' ' ' <<<"$contents")"
done
grep -E '\.(dll|pdb)$' <<<"$contents" | grep -vE '^(analyzers/dotnet/cs|lib/(netstandard2\.0|net8\.0))/' && fail "$nupkg has assemblies outside lib/ and analyzers/"
grep -q '^lib/.*/AutoDiff\.dll$' <<<"$contents" && fail "$nupkg ships the packaging project's empty AutoDiff.dll"
nuspec=$(unzip -p "$feed/$nupkg" AutoDiff.nuspec)
grep -qi 'Microsoft\.CodeAnalysis' <<<"$nuspec" && fail "the package depends on Roslyn (a consumer would get it): $nuspec"
grep -qi 'AutoDiff\.\(Generator\|Attributes\|Runtime\)"' <<<"$nuspec" && fail "the package depends on its own projects as packages: $nuspec"
for tag in '<license type="expression">MIT</license>' '<readme>PACKAGE.md</readme>' '<repository type="git"'; do
  grep -qF "$tag" <<<"$nuspec" || fail "the nuspec lacks $tag: $nuspec"
done
grep -q 'id="System.Memory"' <<<"$nuspec" || fail "the netstandard2.0 group does not name System.Memory (AutoDiff.Runtime needs it): $nuspec"
symbols=$(unzip -Z1 "$feed/${nupkg%.nupkg}.snupkg")
for f in lib/netstandard2.0/AutoDiff.Runtime.pdb lib/net8.0/AutoDiff.Runtime.pdb lib/net8.0/AutoDiff.Attributes.pdb; do
  grep -qxF "$f" <<<"$symbols" || fail "the symbol package has no $f; it has: $(tr '\n' ' ' <<<"$symbols")"
done

# --- 2. Consumers -----------------------------------------------------------------------------------------------
# Restores go to a package folder of their own, so the AutoDiff just packed is the one used (a package folder
# keeps the first copy of a version it sees). The user's package folder, when it holds no AutoDiff, is a
# read-only fallback, so what the machine already has is not fetched again.
user_packages=$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: //p')
fallback=""
if [[ -d $user_packages && ! -e $user_packages/autodiff ]]; then
  fallback="<add key=\"user\" value=\"$user_packages\" />"
fi
{
  echo '<?xml version="1.0" encoding="utf-8"?>'
  echo '<configuration>'
  echo "  <config><add key=\"globalPackagesFolder\" value=\"$work/packages\" /></config>"
  echo "  <fallbackPackageFolders><clear />$fallback</fallbackPackageFolders>"
  echo '  <packageSources>'
  echo '    <clear />'
  echo "    <add key=\"autodiff-local\" value=\"$feed\" />"
  for i in "${!sources[@]}"; do echo "    <add key=\"source$i\" value=\"${sources[$i]}\" />"; done
  echo '  </packageSources>'
  echo '  <packageSourceMapping>'
  echo '    <!-- AutoDiff comes from the folder feed only, never from another source that has a package of that name. -->'
  echo '    <packageSource key="autodiff-local"><package pattern="AutoDiff" /></packageSource>'
  for i in "${!sources[@]}"; do echo "    <packageSource key=\"source$i\"><package pattern=\"*\" /></packageSource>"; done
  echo '  </packageSourceMapping>'
  echo '</configuration>'
} >"$work/nuget.config"
export NUGET_PACKAGES="$work/packages"

# .NET 8 apps roll forward to a newer runtime when this machine has no .NET 8 runtime (the build still targets
# and references net8.0: the targeting pack comes from the package source).
roll_forward() {
  if [[ $1 == net8.0 ]] && ! dotnet --list-runtimes | grep -q '^Microsoft\.NETCore\.App 8\.'; then echo Major; fi
}

write_program() {
  cat >"$1/Program.cs" <<'EOF'
using System;
using AutoDiff;

public static partial class Model
{
    // A loop, a branch, a call to Math: f(x, y) = sum_{i=1..3} y*sin(i*x) + x^2*y, plus y^3 where y > 0.
    [Differentiable]
    public static double F(double x, double y)
    {
        double s = 0;
        for (int i = 1; i <= 3; i++)
            s += y * Math.Sin(i * x);
        if (y > 0) s += y * y * y;
        return s + x * x * y;
    }
}

public static class Program
{
    public static int Main()
    {
        double x = 0.7, y = 1.3;
        double f = Model.FGradient(x, y, out double dx, out double dy);

        // By hand: df/dx = sum i*y*cos(i*x) + 2xy; df/dy = sum sin(i*x) + 3y^2 + x^2.
        double hx = 0, hy = 0;
        for (int i = 1; i <= 3; i++) { hx += i * y * Math.Cos(i * x); hy += Math.Sin(i * x); }
        hx += 2 * x * y;
        hy += 3 * y * y + x * x;

        bool ok = f == Model.F(x, y)
            && Math.Abs(dx - hx) <= 1e-12 * Math.Max(1, Math.Abs(hx))
            && Math.Abs(dy - hy) <= 1e-12 * Math.Max(1, Math.Abs(hy));
        // AutoDiff.Runtime from the package: the gradient against central finite differences.
        var check = GradientCheck.Check(p => Model.F(p[0], p[1]), new[] { x, y }, new[] { dx, dy });
        Console.WriteLine($"f = {f:R}, gradient = ({dx:R}, {dy:R}), by hand ({hx:R}, {hy:R}); {check}");
        Console.WriteLine(ok && check.Passed ? "gradient OK" : "gradient WRONG");
        return ok && check.Passed ? 0 : 1;
    }
}
EOF
}

consumer() { # name, target framework, extra build arguments...
  local name=$1 tfm=$2
  shift 2
  local dir="$work/$name" log="$work/$name.build.log"
  step "$name: new console project ($tfm), dotnet add package AutoDiff"
  # This SDK's template offers only its own framework: the project is retargeted as a user of an older SDK has it.
  dotnet new console -o "$dir" -n Consumer >"$work/$name.new.log" 2>&1 \
    || { cat "$work/$name.new.log"; fail "$name: dotnet new console"; }
  sed -i "s|<TargetFramework>[^<]*</TargetFramework>|<TargetFramework>$tfm</TargetFramework>|" "$dir/Consumer.csproj"
  grep -q "<TargetFramework>$tfm</TargetFramework>" "$dir/Consumer.csproj" || { cat "$dir/Consumer.csproj"; fail "$name: could not target $tfm"; }
  rm -f "$dir/Program.cs"
  write_program "$dir"
  (cd "$dir" && dotnet add package AutoDiff) >"$work/$name.add.log" 2>&1 \
    || { cat "$work/$name.add.log"; fail "$name: dotnet add package AutoDiff"; }
  grep -q "Include=\"AutoDiff\" Version=\"$version\"" "$dir/Consumer.csproj" \
    || { cat "$dir/Consumer.csproj"; fail "$name: the project does not reference AutoDiff $version"; }
  [[ -f "$work/packages/autodiff/$version/autodiff.$version.nupkg" ]] \
    || fail "$name: AutoDiff $version was not restored from the folder feed into $work/packages"
  if [[ $name == toolset ]]; then
    (cd "$dir" && dotnet add package Microsoft.Net.Compilers.Toolset --version "$toolset_version") >>"$work/$name.add.log" 2>&1 \
      || { cat "$work/$name.add.log"; fail "$name: dotnet add package Microsoft.Net.Compilers.Toolset $toolset_version"; }
  fi

  step "$name: build ($*)"
  # Normal verbosity prints the compiler's command line (which csc ran); warnings are errors, so a generator
  # that fails to load (CS9057, CS8032) or throws (CS8785) fails the build.
  (cd "$dir" && dotnet build -c Release -v:n -warnaserror -p:EmitCompilerGeneratedFiles=true "$@") >"$log" 2>&1 \
    || { grep -E 'error|warning' "$log" | sort -u | head -40; fail "$name: build (log: $log)"; }
  grep -qE 'CS9057|CS8032|CS8785|ADIFF099' "$log" && { grep -E 'CS9057|CS8032|CS8785|ADIFF099' "$log" | head; fail "$name: the generator did not load or run cleanly"; }
  ls "$dir"/obj/Release/"$tfm"/generated/AutoDiff.Generator/*/*.g.cs >/dev/null 2>&1 \
    || fail "$name: no generated source under obj/Release/$tfm/generated/AutoDiff.Generator"

  step "$name: run"
  local out
  out=$(cd "$dir" && DOTNET_ROLL_FORWARD=$(roll_forward "$tfm") dotnet run -c Release --no-build 2>&1) \
    || { echo "$out"; fail "$name: the program failed"; }
  echo "   $out" | tail -n 2
  grep -q '^gradient OK$' <<<"$out" || fail "$name: the program did not report 'gradient OK'"
}

for c in $cases; do
  case $c in
    net8.0 | net10.0)
      consumer "$c" "$c"
      ;;
    toolset)
      # The compiler of the Toolset package, not the SDK's: the log must show its csc running.
      consumer toolset net8.0 -p:RoslynCompilerType=Custom
      grep -qiE "microsoft\.net\.compilers\.toolset[/\\\\]$toolset_version[/\\\\].*csc" "$work/toolset.build.log" \
        || { grep -iE 'csc(\.dll|\.exe)?' "$work/toolset.build.log" | head -5; fail "toolset: the build did not run csc from Microsoft.Net.Compilers.Toolset $toolset_version"; }
      echo "   csc: $(grep -oiE "[^ \"]*microsoft\.net\.compilers\.toolset[/\\\\]$toolset_version[/\\\\][^ \"]*csc[^ \"]*" "$work/toolset.build.log" | head -n 1)"
      ;;
    *) fail "unknown case '$c' (net8.0, net10.0, toolset)" ;;
  esac
done
echo "consumer tests passed ($cases) in $((SECONDS - started)) s"
