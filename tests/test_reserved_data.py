"""Validation data kept apart (docs/validation.md sections 1-2): no adoption series of Argentina, Paraguay, the USA,
Australia or a Sub-Saharan African country is used to build, calibrate or test the model.

Two scans. The calibration data's (data rows, pattern scenarios' keys and values, posteriors, tests/data) looks for
every reserved name, continent included. The wider one (referee 51 n8) reads the whole text, comments included, of
everything else a series or an assertion against one could sit in: test modules, scripts, benchmarks, the model's
and the analysis' data, the analysis and experiment code and every scenario or test TOML file. It looks for the
reserved countries and the bodies that publish their series; "Africa" and "African" are left out there, as the
model's regions carry them (``africa_dry``, "Africa, moist savanna"), and a few named mentions that are no adoption
data are allowed (``ALLOWED_MENTIONS``). This module, which names them all on purpose, is the one file not scanned.
"""

import csv
import json
import re
import tomllib
from pathlib import Path

from conftest import ROOT, SCENARIOS

DATA = ROOT / "analysis" / "data"

#: Reserved countries' names, and the bodies that publish their adoption series (a number entered with only its
#: source's name must be found too): AAPRESID, INTA and Bolsa de Cereales (Argentina), FEPASIDIAS and CAPECO
#: (Paraguay), CAAPAS (the Americas' no-till confederation, whose figures are mostly Argentina's, Paraguay's and
#: Brazil's: a Brazilian figure is cited from its Brazilian source), CTIC, NASS and USDA (the USA), GRDC, ABARES,
#: WANTFA and SANTFA (Australia), Zambia's Conservation Farming Unit and SIMLESA (eastern and southern Africa); other
#: African bodies such as the African Conservation Tillage network are caught by "africa". "USDA" is conservative on
#: purpose: it would refuse a USDA figure about Brazil (FAS) or a USDA crop parameter in a pattern scenario too; cite
#: such a figure from its primary source. The world compilations' authors (Kassam, Friedrich, Derpsch) are not
#: reserved: they are the world series' sources, which is a shape check only (docs/validation.md section 1).
#: "U.S." ends in a non-word character, so it is matched with lookarounds outside the \b...\b group: there, \b after
#: its final "." needs a word character next, and "U.S. census" was never found (referee 39 m4).
RESERVED = re.compile(r"((?<!\w)u\.s\.(?!\w)|"
                      r"\b(?:argentin\w*|paraguay\w*|united states|usa|australia\w*|\w*africa\w*|zimbabwe|malawi|"
                      r"zambia|kenya|tanzania|ethiopia|ghana|mozambique|madagascar|nigeria|benin|uganda|rwanda|"
                      r"aapresid|inta|bolsa de cereales|fepasidias|capeco|caapas|ctic|"
                      r"conservation technology information center|nass|usda|grdc|abares|wantfa|santfa|"
                      r"conservation farming unit|simlesa)\b)", re.IGNORECASE)


#: Images carry no observations a scan could read; they are checked by name only.
BINARY_SUFFIXES = (".png", ".parquet")


def reserved_mentions(path: Path) -> list[str]:
    """Reserved-country names in what ``path`` could carry as observations.

    A scenario (.toml) only if it has [patterns]: its file name and every key and value (comments aside: the
    Brazil scenario cites a U.S. herbicide price); a CSV file by its rows (headers may explain what is left out);
    an image or table file (``BINARY_SUFFIXES``) by its name; any other file by its name and whole text.
    Underscores count as spaces, so that a name such as ``validation_argentina`` or ``africa_dry`` is found.
    """
    if path.suffix == ".toml":
        scenario = tomllib.loads(path.read_text())
        text = path.name + json.dumps(scenario) if "patterns" in scenario else ""
    elif path.suffix == ".csv":
        lines = [line for line in path.read_text().splitlines() if line and not line.startswith("#")]
        text = path.name + " ".join(" ".join(row) for row in csv.reader(lines))
    elif path.suffix in BINARY_SUFFIXES:
        text = path.name
    else:
        text = path.name + path.read_text()
    return RESERVED.findall(text.replace("_", " "))


def test_no_reserved_country_data_in_the_calibration_data():
    """Adoption series of Argentina, Paraguay, the USA, Australia and Sub-Saharan Africa are kept for independent
    validation: no data row in analysis/data names them, nor any scenario with observed [patterns] (scenarios/ and
    tests/, inline values included), the committed posteriors or tests/data (the world series contains them, so it
    is a shape check only: docs/validation.md sections 1-2)."""
    files = sorted(DATA.glob("*.csv"))
    assert len(files) >= 5
    files += [*sorted((ROOT / "scenarios").rglob("*.toml")), *sorted((ROOT / "tests").rglob("*.toml")),
              *sorted((ROOT / "scenarios" / "posteriors").iterdir()), *sorted((ROOT / "tests" / "data").iterdir())]
    assert {"validation_brazil.toml", "brazil.csv", "brazil_calibration.md"} <= {path.name for path in files}
    assert {path.name: reserved_mentions(path) for path in files if reserved_mentions(path)} == {}


def test_the_reserved_data_scan_finds_an_inline_series(tmp_path):
    """The scan is not empty by construction: a validation_argentina.toml with inline observations is found (by
    its name and its source), and so are an Australian series' rows, a posterior report naming Paraguay and a
    scenario naming no country whose observation cites a reserved country's data body (referee 37 m7) or
    "U.S." before a space or a bracket (referee 39 m4)."""
    scenario = tmp_path / "validation_argentina.toml"
    scenario.write_text('extends = "parts/defaults.toml"\n[patterns.census_share]\nstatistic = "level"\n'
                        'column = "no_till_area_share"\nobserved = { "2008" = 0.7 }\nscale = 0.05\n'
                        'source = "AAPRESID, Argentina"\n')
    assert reserved_mentions(scenario) == ["argentina", "AAPRESID", "Argentina"]
    assert reserved_mentions(SCENARIOS / "validation_brazil.toml") == []
    (tmp_path / "series.csv").write_text("# header\nyear,area,country\n2008,17,Australia\n")
    assert reserved_mentions(tmp_path / "series.csv") == ["Australia"]
    (tmp_path / "report.md").write_text("predictive check against Paraguay's census")
    assert reserved_mentions(tmp_path / "report.md") == ["Paraguay"]
    bodies = tmp_path / "validation_pampas.toml"
    for source, body in (("AAPRESID 2019", "AAPRESID"), ("CTIC crop residue survey", "CTIC"),
                         ("GRDC farm practices survey", "GRDC"), ("U.S. census", "U.S."), ("census (U.S.)", "U.S."),
                         ("NASS census 2017", "NASS"), ("INTA Pergamino", "INTA"), ("SANTFA survey", "SANTFA"),
                         ("Bolsa de Cereales survey", "Bolsa de Cereales"), ("CAPECO 2010", "CAPECO"),
                         ("Conservation Farming Unit 2012", "Conservation Farming Unit"), ("SIMLESA", "SIMLESA")):
        bodies.write_text(scenario.read_text().replace('"AAPRESID, Argentina"', f'"{source}"'))
        assert reserved_mentions(bodies) == [body]



#: The wider scan's names: ``RESERVED`` without the continent (every model region name carries it; "sub-Saharan"
#: stays reserved, so a series given for the subcontinent is found).
RESERVED_COUNTRIES = re.compile(RESERVED.pattern.replace(r"\w*africa\w*|", r"sub.saharan|"), re.IGNORECASE)
#: Where the wider scan looks (globs under the repository root); binary files (``BINARY_SUFFIXES``) are skipped.
WIDE_SCOPE = ("tests/*.py", "tests/**/*.toml", "scripts/**/*", "benchmarks/**/*", "sim/data/**/*", "analysis/*.py",
              "analysis/data/*", "experiments/*.py", "scenarios/**/*.toml")
#: Mentions of reserved names that are no adoption data, each a phrase that carries its context (matched before the
#: scan, underscores as spaces): the twin-region scenario's place; the model regions' places, climate and yield-trial
#: sources and the map's labels (base.toml's africa_dry is Matabeleland, Zimbabwe; africa_moist eastern Zambia and
#: Malawi); a maize yield average, a soil-spectroscopy error and the U.S. glyphosate price Brazil's herbicide path
#: follows.
ALLOWED_MENTIONS = re.compile("|".join((
    r"twin regions benin germany", r"Copargo \(Benin",
    r"Sub-Saharan Africa, (?:dry|moist) savanna", r"Zimbabwe: tropical dry", r"trials in semi-arid Zimbabwe",
    r"Bulawayo, Zimbabwe", r"climate/zimbabwe/bulawayo", r"Zambia's input subsidy programme",
    r"eastern Zambia(?: and Malawi)?", r"Zambia and Malawi(?:, Zimbabwe:)?",
    r"SSA maize average [\d.-]+ t/ha \(USDA ERS", r"Mt Kenya soils", r"U\.S\. price of glyphosate",
)), re.IGNORECASE)


def wide_mentions(root: Path, skip: tuple[Path, ...] = ()) -> dict[str, list[str]]:
    """Reserved countries and bodies (``RESERVED_COUNTRIES``) in every text file of ``WIDE_SCOPE`` under ``root``,
    ``ALLOWED_MENTIONS`` aside: {relative path:line: names} of each line that names one."""
    found = {}
    for pattern in WIDE_SCOPE:
        for path in sorted(root.glob(pattern)):
            if not path.is_file() or path.suffix in BINARY_SUFFIXES or path in skip or "__pycache__" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                names = RESERVED_COUNTRIES.findall(ALLOWED_MENTIONS.sub(" ", line.replace("_", " ")))
                if names:
                    found[f"{path.relative_to(root)}:{number}"] = names
    return found


def test_no_reserved_country_named_anywhere_else():
    """Referee 51 n8: the scan above leaves out test modules, scripts, benchmarks, the model's data, the analysis
    and experiment code and TOML comments. None of them names a reserved country or body but for the allowed
    mentions; the scope holds the files it must (a glob that stopped matching would pass by scanning nothing)."""
    scanned = {path.relative_to(ROOT).as_posix() for pattern in WIDE_SCOPE for path in ROOT.glob(pattern)}
    assert {"tests/test_calibration.py", "scripts/predictive_check.py", "benchmarks/sobol_8_parameters.toml",
            "sim/data/ipcc_tier1_2019.csv", "analysis/calibration.py", "experiments/abc_smc.py",
            "scenarios/base.toml", "analysis/data/ca_adoption_world.csv"} <= scanned
    assert wide_mentions(ROOT, skip=(Path(__file__).resolve(),)) == {}


def test_the_wider_scan_finds_a_planted_series(tmp_path):
    """The wider scan is not empty by construction: a series of each reserved kind planted in a test module, a
    script, a benchmark TOML comment, the model's data, analysis code and a scenario comment is found, while the
    model's region names and the allowed mentions are not."""
    planted = {
        "tests/test_x.py": 'ARGENTINA_NO_TILL = {2000: 0.32, 2008: 0.70}\n',
        "scripts/check.py": "# Paraguay's no-till area (CAPECO): 2008 2.4 Mha\nx = 1\n",
        "benchmarks/sobol.toml": '[patterns.a]\nobserved = { "2010" = 0.2 }  # Australian growers, GRDC survey\n',
        "sim/data/adoption.csv": "year,country,share\n2010,Zambia,0.02\n",
        "analysis/extra.py": 'USA = [(1990, 0.10), (2010, 0.35)]  # no-till share\n',
        "scenarios/story.toml": '# Sub-Saharan smallholder CA area 2010: 0.4 Mha\nname = "x"\n',
        "experiments/ok.py": 'REGIONS = ["africa_dry", "africa_moist"]  # Africa, dry savanna; Bulawayo, Zimbabwe\n',
        "tests/scenarios/ok.toml": 'name = "Copargo (Benin)"  # twin_regions_benin_germany\n',
    }
    for name, text in planted.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert wide_mentions(tmp_path) == {
        "tests/test_x.py:1": ["ARGENTINA"], "scripts/check.py:1": ["Paraguay", "CAPECO"],
        "benchmarks/sobol.toml:2": ["Australian", "GRDC"], "sim/data/adoption.csv:2": ["Zambia"],
        "analysis/extra.py:1": ["USA"], "scenarios/story.toml:1": ["Sub-Saharan"]}
