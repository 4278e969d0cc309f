"""Bad scenario files: a clean error naming the file, the field path and what was expected; never a traceback."""

from pathlib import Path

import pytest
from conftest import SCENARIOS

import sim
from sim import ScenarioError


def error_of(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        sim.load_scenario(path)
    return str(info.value)


def test_typo_in_field_names_file_path_and_suggestion(write_scenario):
    path = write_scenario("[carbon]\nfarmer_shar = 0.5\n")
    message = error_of(path)
    assert str(path) in message
    assert "carbon.farmer_shar: unknown field; did you mean 'farmer_share'?" in message


def test_typo_in_region_field(write_scenario):
    message = error_of(write_scenario("[regions.africa_dry]\ndiscount_rat = 0.2\n"))
    assert "regions.africa_dry.discount_rat: unknown field; did you mean 'discount_rate'?" in message


def test_missing_field_is_named(write_scenario, tmp_path):
    body = (SCENARIOS / "parts" / "defaults.toml").read_text().replace("buffer = 0.1", "")
    base = tmp_path / "defaults_without_buffer.toml"
    base.write_text(body)
    path = write_scenario('[regions.a]\nfarmers = 1\n', extends=str(base))
    message = error_of(path)
    assert "carbon.buffer: missing required field" in message
    assert "regions.a.climate: missing required field" in message


def test_out_of_range_value(write_scenario):
    message = error_of(write_scenario("[carbon]\nfarmer_share = 1.4\n"))
    assert "carbon.farmer_share: Input should be less than or equal to 1" in message
    assert "(got 1.4)" in message


def test_wrong_type_or_unit_in_a_string(write_scenario):
    message = error_of(write_scenario('[carbon.price.path]\nvalue = "35 EUR"\n'))
    assert "carbon.price.path.value" in message and "'35 EUR'" in message


def test_unknown_climate_lists_valid_values(write_scenario):
    message = error_of(write_scenario('[regions.africa_dry]\nclimate = "tropical_hot"\n'))
    assert "regions.africa_dry.climate" in message and "tropical_dry" in message


def test_a_fully_mixed_population_is_refused_to_learning_rules(write_scenario):
    """Referee 27 M4: with network.kind = 'complete' every farmer of every region was a neighbour of weight 1, so a
    learning rule's evidence grew with --farmers (Africa moist no-till 3.3 % at 1,000 farmers, 10.8 % at 10,000) and
    African farmers learnt Latin America's soybean results as theirs. The base scenario's economic rule refuses it;
    a Bass rule, which reads the share of neighbours only, keeps it."""
    path = write_scenario('[network]\nkind = "complete"\n')
    message = error_of(path)
    assert str(path) in message and "network.kind: 'complete'" in message and "expected 'small_world'" in message
    bass = write_scenario('[network]\nkind = "complete"\n[decision.rule]\nkind = "bass"\np = 0.01\nq = 0.3\n')
    assert sim.load_scenario(bass).network.kind == "complete"


def test_the_rules_refused_a_fully_mixed_population_are_those_that_learn():
    """The schema's list of learning rules (it cannot import the rules) is the rules' own ``learns`` flags, so a new
    learning rule cannot slip past the 'complete' check (referee 28 m7)."""
    from sim.behaviour import RULES
    from sim.scenario.scenario import LEARNING_RULES

    assert set(LEARNING_RULES) == {kind for kind, rule in RULES.items() if rule.learns}


def test_unknown_practice_in_bundle(write_scenario):
    message = error_of(write_scenario('[regions.africa_dry]\ninitial_adoption = { "no_till+mulching" = 0.1 }\n'))
    assert "unknown practice 'mulching'" in message


def test_unknown_practice_in_a_region_and_a_bundle_of_practices_that_do_not_exist_there(write_scenario):
    message = error_of(write_scenario('[regions.africa_dry.behaviour]\npractices = ["no_till", "mulching"]\n'))
    assert "regions.africa_dry.behaviour.practices: unknown practice 'mulching'" in message
    message = error_of(write_scenario('[regions.africa_dry.behaviour]\npractices = ["rotation"]\n'))
    assert "regions.africa_dry.initial_adoption: bundle 'no_till+residue_retention' uses no_till, residue_retention, " \
        "not in regions.africa_dry.behaviour.practices" in message


def test_constants_given_to_an_equilibrium_start(write_scenario):
    message = error_of(write_scenario('[regions.africa_dry.behaviour]\npractice_value_per_ha = { no_till = 5.0 }\n'))
    assert "practice_value_per_ha: set only with decision.start = 'as_given'" in message


def test_price_kind_needs_its_fields(write_scenario):
    message = error_of(write_scenario('[carbon.price.path]\nkind = "stochastic"\n'))
    for field in ("value", "mean", "reversion", "volatility"):
        assert f"carbon.price.path.{field}: missing required field of kind = 'stochastic'" in message


def test_a_changed_kind_replaces_the_inherited_table(write_scenario):
    """volatile_price.toml has a stochastic path; a child switching to a constant one keeps none of its fields."""
    path = write_scenario('[carbon.price.path]\nkind = "constant"\nvalue = 20.0\n',
                          extends=str(SCENARIOS / "volatile_price.toml"))
    price = sim.load_scenario(path).carbon.price
    assert price.path.model_dump() == {"kind": "constant", "value": 20.0}
    assert price.floor == 0.0  # the guarantee terms sit outside the kind table and are still inherited
    same_kind = write_scenario('[carbon.price.path]\nvolatility = 0.1\n', name="same.toml",
                               extends=str(SCENARIOS / "volatile_price.toml"))
    assert sim.load_scenario(same_kind).carbon.price.path.mean == 35.0  # same kind: merged key by key


def test_unknown_kind_lists_the_kinds(write_scenario):
    message = error_of(write_scenario('[decision.rule]\nkind = "imitation"\n'))
    assert "decision.rule: kind = 'imitation' is not a known kind; expected one of 'economic', 'tpb', 'bass', 'threshold'" \
        in message


def test_field_of_another_kind_is_named(write_scenario):
    message = error_of(write_scenario('[decision.rule]\nkind = "bass"\np = 0.03\nq = 0.4\nrevision_rate = 0.3\n'))
    assert "decision.rule.revision_rate: unknown field of kind = 'bass'" in message


def test_exchange_with_unknown_region(write_scenario):
    body = '[[network.exchange]]\nregions = ["latin_america", "asia"]\nlinks_per_1000_farms = 10\n'
    assert "unknown region 'asia'" in error_of(write_scenario(body))


def test_toml_syntax_error_names_file(write_scenario):
    path = write_scenario("[carbon\nfarmer_share = 0.5\n")
    message = error_of(path)
    assert str(path) in message and "not valid TOML" in message


def test_circular_extends(tmp_path):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n')
    assert "circular inheritance" in error_of(tmp_path / "a.toml")


def test_missing_extends_target(write_scenario):
    assert "file not found" in error_of(write_scenario("", extends="nowhere.toml"))


def test_error_in_base_names_the_base_file(tmp_path, write_scenario):
    base = tmp_path / "base_with_typo.toml"
    base.write_text(f'extends = "{SCENARIOS / "base.toml"}"\n[decision]\nsocial_wieght = 1.0\n')
    message = error_of(write_scenario("", extends=str(base)))
    assert f"{base}: decision.social_wieght: unknown field" in message


def test_scenario_file_cannot_execute_code(write_scenario, tmp_path):
    marker = tmp_path / "pwned"
    body = f'name = "__import__(\'os\').system(\'touch {marker}\')"\n'
    scenario = sim.load_scenario(write_scenario(body))
    sim.AdoptionModel(scenario, n_farmers=30).step()
    assert not marker.exists()


def test_cli_validate_prints_clean_error_and_exits_2(write_scenario, casim):
    path = write_scenario("[carbon]\nfarmer_shar = 0.5\n")
    out = casim("validate", path)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr + out.stdout
    assert "farmer_shar" in out.stderr and "did you mean 'farmer_share'" in out.stderr


def test_table_level_error_names_the_loaded_file_and_keeps_brackets(write_scenario, casim):
    path = write_scenario('[decision.rule]\nkind = "bass"\np = 0.03\n')
    out = casim("validate", path)
    assert out.returncode == 2
    assert (f"{path}: decision.rule.q: missing required field of kind = 'bass' (set it in [decision.rule] here or in "
            "the file this one extends)") in out.stderr.replace("\n", "")


def test_check_across_a_table_names_the_loaded_file(write_scenario):
    message = error_of(write_scenario('[carbon.price]\nceiling = 10.0\nfloor = 20.0\n'))
    assert "scenario.toml: carbon.price: ceiling 10.0 is below floor 20.0" in message


@pytest.mark.parametrize(("value", "says"), [
    ('"ipcc"', "'ipcc' is not a known method; expected a number from 0 to 5 (one share for every practice and "
               "climate) or one of 'ipcc_tier1' (got 'ipcc')"),
    ("7.5", "7.5 is outside 0 to 5; expected a number from 0 to 5"),
    ("true", "not a number nor a method name; expected a number from 0 to 5"),
])
def test_modelled_relative_sd_is_a_number_or_a_named_method(write_scenario, value, says):
    """One clean error for the field (not one per member of the number-or-name union)."""
    path = write_scenario(f"[carbon.mrv.approach]\nrelative_sd = {value}\n")
    message = error_of(path)
    assert f"{path}: carbon.mrv.approach.relative_sd: {says}" in message
    assert len(message.splitlines()) == 2  # "invalid scenario:" and the one error


def test_derived_relative_sd_needs_the_2019_factors(write_scenario):
    """The 2006 table ships no factor uncertainties: the named method says what it needs instead of deriving 0."""
    path = write_scenario('[soil]\nfactor_set = "2006"\n[carbon.mrv.approach]\nrelative_sd = "ipcc_tier1"\n')
    assert (f"{path}: carbon.mrv.approach.relative_sd: 'ipcc_tier1' derives the uncertainty from the IPCC 2019 "
            "factors' uncertainties, which the 2006 table does not give; expected soil.factor_set = '2019' or a "
            "number") in error_of(path)
    assert sim.load_scenario(write_scenario('[carbon.mrv.approach]\nrelative_sd = "ipcc_tier1"\n', name="ok.toml")
                             ).carbon.mrv.approach.relative_sd == "ipcc_tier1"


def test_a_translated_title_names_its_language_and_needs_a_name(write_scenario):
    """``[translations.<code>]`` takes the forum's languages only, each with its own name."""
    path = write_scenario('[translations.de]\nname = "CO2-Preis"\n')
    assert (f"{path}: translations.de: 'de' is not a name this table takes: Input should be 'fr', 'es' or 'pt' "
            "(got 'de')") in error_of(path)
    path = write_scenario('[translations.fr]\ndescription = "Un prix"\n', name="no_name.toml")
    assert f"{path}: translations.fr.name: missing required field" in error_of(path)
    path = write_scenario('[translations.fr]\nnom = "Prix"\nname = "Prix"\n', name="typo.toml")
    assert f"{path}: translations.fr.nom: unknown field; expected one of name, description" in error_of(path)


def test_a_file_that_names_itself_does_not_inherit_its_bases_translated_title(write_scenario, tmp_path):
    """A translated title translates its own file's name: a derived file with a new name shows that name, not the
    base's French one; a derived file that keeps the name keeps its translations."""
    base = write_scenario('name = "Price"\n[translations.fr]\nname = "Prix"\n', name="priced.toml")
    renamed = write_scenario('name = "Price, and a floor"\n', name="renamed.toml", extends=str(base))
    kept = write_scenario("years = 5\n", name="kept.toml", extends=str(base))
    assert sim.load_scenario(base).translations["fr"].name == "Prix"
    assert sim.load_scenario(renamed).translations == {}
    assert sim.load_scenario(kept).translations["fr"].name == "Prix"


def test_a_file_that_rewrites_its_question_does_not_inherit_its_bases_translated_descriptions(write_scenario):
    """Referee 50 m6: a variant with its own name, description and French name showed French forums the base's
    French description (another design: "Prix du carbone constant de 35 USD/t"), merged in key by key. A file that
    sets ``name`` keeps only its own translations; one that sets only ``description`` keeps the inherited
    translated names but not the inherited descriptions it does not translate itself, which then read in English."""
    from facilitation.i18n import language

    base = write_scenario('name = "Price"\ndescription = "A constant price"\n[translations.fr]\nname = "Prix"\n'
                          'description = "Un prix constant"\n[translations.es]\nname = "Precio"\n'
                          'description = "Un precio constante"\n', name="priced.toml")
    ceiling = write_scenario('name = "Price, capped"\ndescription = "A price with a ceiling"\n[translations.fr]\n'
                             'name = "Prix plafonné"\n', name="ceiling.toml", extends=str(base))
    asked = write_scenario('description = "A price, asked again"\n[translations.es]\n'
                           'description = "Un precio, otra vez"\n', name="asked.toml", extends=str(base))
    scenario = sim.load_scenario(ceiling)
    assert list(scenario.translations) == ["fr"] and scenario.translations["fr"].description == ""
    fr = language("fr")
    assert (fr.scenario_name(scenario), fr.scenario_description(scenario)) == ("Prix plafonné", "A price with a ceiling")
    assert language("es").scenario_name(scenario) == "Price, capped"
    scenario = sim.load_scenario(asked)
    assert (fr.scenario_name(scenario), fr.scenario_description(scenario)) == ("Prix", "A price, asked again")
    es = language("es")
    assert (es.scenario_name(scenario), es.scenario_description(scenario)) == ("Precio", "Un precio, otra vez")


def test_a_renamed_files_own_translation_errors_name_that_file(write_scenario):
    """The translations a file with its own name keeps are all its own, so an error in them names it, not its base."""
    base = write_scenario('name = "Price"\n[translations.fr]\nname = "Prix"\n', name="priced.toml")
    path = write_scenario('name = "Price, capped"\n[translations.fr]\ndescription = "Plafonné"\n', name="capped.toml",
                          extends=str(base))
    assert f"{path}: translations.fr.name: missing required field" in error_of(path)


def test_a_renamed_variant_missing_a_translated_name_is_told_to_set_it_here(tmp_path):
    """Referee 52 m4: a file that sets its own name inherits no translated titles (``sim.scenario.loader``), so the
    error must not tell it to set the missing translated name "in the file this one extends"."""
    path = tmp_path / "renamed.toml"
    path.write_text(f'extends = "{(SCENARIOS / "carbon_price_35.toml").as_posix()}"\nname = "Renamed"\n'
                    '[translations.fr]\ndescription = "Seulement une description"\n', encoding="utf-8")
    with pytest.raises(sim.ScenarioError) as error:
        sim.load_scenario(path)
    message = str(error.value)
    assert "translations.fr.name: missing required field" in message
    assert "inherits no translated titles: set it in [translations.fr] here" in message
    assert "file this one extends" not in message
