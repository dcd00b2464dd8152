#!/usr/bin/env bash
# Builds and lints infra/ with the Bicep CLI, and checks the bounds Azure puts on parameters (a
# maximumInstanceCount below 40 must be refused, 40 accepted). The CLI comes from NuGet: the package
# Azure.Bicep.CommandLine.linux-x64 carries the binary in tools/. Not part of eng/test.sh; run it after
# changing infra/. Prints "bicep: ok" and exits 0 when everything holds.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="${BICEP_VERSION:-0.49.2}"
bicep="${NUGET_PACKAGES:-$HOME/.nuget/packages}/azure.bicep.commandline.linux-x64/$version/tools/bicep"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ ! -f "$bicep" ]; then
  # A throwaway project outside the repository, so Directory.Packages.props does not apply to it.
  cat > "$work/bicep.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageDownload Include="Azure.Bicep.CommandLine.linux-x64" Version="[$version]" /></ItemGroup>
</Project>
XML
  dotnet restore "$work/bicep.csproj" -nologo -v quiet
fi
chmod +x "$bicep"
"$bicep" --version

"$bicep" build "$root/infra/main.bicep" --stdout > /dev/null
"$bicep" lint "$root/infra/main.bicep"

cp -r "$root/infra" "$work/infra"
bounds() {
  cat > "$work/infra/bounds.bicepparam" <<PARAMS
using './main.bicep'
param environmentName = 'bounds'
param location = 'swedencentral'
param guardianApiKey = 'not-a-real-key'
param maximumInstanceCount = $1
PARAMS
  "$bicep" build-params "$work/infra/bounds.bicepparam" --stdout > /dev/null 2>&1
}
bounds 40 || { echo "bicep: maximumInstanceCount 40 was refused" >&2; exit 1; }
if bounds 39; then echo "bicep: maximumInstanceCount 39 was accepted" >&2; exit 1; fi
echo "bicep: ok"
