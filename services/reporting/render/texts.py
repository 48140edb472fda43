"""Every word of the HTML report, Dutch first (the language it is published in), then English."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    # The page
    "title": ("Het Nederlandse exportcontrolebeleid in {year}",
              "Dutch export control policy in {year}"),
    "subtitle": ("Rapportage over de afgifte van vergunningen voor militaire, dual-use en "
                 "foltergoederen",
                 "Report on the licences issued for military, dual-use and anti-torture goods"),
    "meta.live": ("Opgesteld uit het gebeurtenissenlogboek, met alle correcties tot heden.",
                  "Built from the event log, with every correction to date."),
    "meta.as_of": ("Opgesteld uit het gebeurtenissenlogboek, zoals het rapport was op {moment}.",
                   "Built from the event log, as the report stood at {moment}."),
    "meta.withheld": ("{count} vertrouwelijke vergunning(en) van dit jaar zijn weggelaten tot "
                      "het einde van hun vertrouwelijkheid.",
                      "{count} confidential licence(s) of this year are withheld until their "
                      "confidentiality ends."),
    "meta.amounts": ("Bedragen in euro; de waarde van een vergunning is de vergunningswaarde.",
                     "Amounts in euros; the value of a licence is its licence value."),
    "contents": ("Inhoud", "Contents"),
    "none": ("Geen in dit jaar.", "None this year."),
    "total": ("Totaal", "Total"),
    "total_of": ("Totaal {name}", "Total {name}"),
    "yes": ("ja", "yes"),
    "no": ("nee", "no"),
    "not_sent": ("nog niet verzonden", "not yet sent"),
    "part_of": ("deel {part} van {parts}", "part {part} of {parts}"),
    "annex": ("Bijlage {annex}", "Annex {annex}"),
    "annex_i": ("Categorie {number}: {name}", "Category {number}: {name}"),
    "annex_i.unrated": ("Zonder categorie van bijlage I", "No Annex I category"),
    "none_listed": ("geen", "none"),
    "unknown": ("onbekend", "unknown"),
    # Summary figures at the top
    "card.applications": ("Behandelde aanvragen militaire goederen",
                          "Military applications decided"),
    "card.approved": ("Afgegeven vergunningen", "Licences issued"),
    "card.denied": ("Afwijzingen", "Denials"),
    "card.denial_rate": ("Percentage afwijzingen", "Denial rate"),
    "card.total_value": ("Totale waarde afgegeven vergunningen", "Total value of licences issued"),
    # Parts and sections
    "part.military": ("Militaire goederen", "Military goods"),
    "part.general_licences": ("Algemene vergunningen voor militaire goederen",
                              "General licences for military goods"),
    "part.dual_use": ("Dual-use goederen", "Dual-use goods"),
    "part.national": ("Nationale maatregelen", "National measures"),
    "part.anti_torture": ("Anti-foltergoederen", "Anti-torture goods"),
    "part.parliament": ("Informatie aan de Tweede Kamer", "Information to parliament"),
    "part.consultations": ("Consultaties", "Consultations"),
    "part.enforcement": ("Handhaving", "Enforcement"),
    "part.history": ("Eerdere jaren", "Earlier years"),
    "part.method": ("Toelichting op de methode", "Method"),
    "military.summary": ("Kerngegevens", "Key figures"),
    "military.by_category": ("Waarde afgegeven vergunningen per categorie",
                             "Value of licences issued per category"),
    "military.by_destination": ("Waarde afgegeven vergunningen per land van bestemming en "
                                "categorie",
                                "Value of licences issued per country of destination and "
                                "category"),
    "military.by_region": ("Waarde afgegeven vergunningen per regio",
                           "Value of licences issued per region"),
    "military.top_destinations": ("Top vijf landen van bestemming",
                                  "Top five countries of destination"),
    "military.denials": ("Afgewezen vergunningaanvragen", "Denied licence applications"),
    "military.transit": ("Doorvoervergunningen per land van bestemming en categorie",
                         "Transit licences per country of destination and category"),
    "military.brokering": ("Vergunningen voor tussenhandel", "Brokering licences"),
    "general_licences.totals": ("Realisaties per algemene vergunning",
                                "Realisations per general licence"),
    "general_licences.one": ("{code}: {covers}", "{code}: {covers}"),
    "dual_use.by_type": ("Vergunningen per soort", "Licences per type"),
    "dual_use.top_destinations": ("Top tien landen van bestemming van de gerealiseerde uitvoer",
                                  "Top ten destinations of realised exports"),
    "dual_use.by_destination": ("Individuele vergunningen per land van bestemming",
                                "Individual licences per country of destination"),
    "dual_use.by_category": ("Individuele vergunningen per categorie van bijlage I",
                             "Individual licences per Annex I category"),
    "dual_use.denials": ("Afgewezen vergunningaanvragen dual-use goederen",
                         "Denied licence applications for dual-use goods"),
    "national": ("Vergunningen voor de nationale maatregelen",
                 "Licences under the national measures"),
    "anti_torture_denials": ("Afgewezen vergunningaanvragen anti-foltergoederen",
                             "Denied licence applications for anti-torture goods"),
    "parliament.documents": ("Register van documenten aan de Tweede Kamer",
                             "Register of documents sent to parliament"),
    "consultations_share": ("Aandeel van Nederland in de consultaties in de EU",
                            "The Netherlands' share of the consultations in the EU"),
    "enforcement": ("Onderzoeken naar overtredingen", "Investigations of violations"),
    "anti_torture": ("Vergunningen per bijlage van Verordening (EU) 2019/125",
                     "Licences per annex of Regulation (EU) 2019/125"),
    "parliament_fast_track": ("Versnelde meldingen aan de Tweede Kamer (binnen veertien dagen)",
                              "Fast-track notifications to parliament (within two weeks)"),
    "consultations": ("Consultaties over essentieel identieke transacties (COARM)",
                      "Consultations on essentially identical transactions (COARM)"),
    "history": ("Waarde afgegeven vergunningen en percentage afwijzingen per jaar",
                "Value of licences issued and denial rate per year"),
    # Notes under tables
    "note.du_individual": ("Individuele dual-use vergunningen afgegeven in het jaar, geteld "
                           "zoals in de tabel per soort (zonder globale vergunningen, "
                           "overbrengingen binnen de EU en catch-all).",
                           "Individual dual-use licences issued in the year, counted as in the "
                           "table per type (global licences, intra-EU transfers and catch-all "
                           "left out)."),
    "note.du_category": ("De categorie is het eerste cijfer van de rubricering (3A001: categorie "
                         "3). Een vergunning met goederen uit meerdere categorieën telt in elk "
                         "daarvan mee, met de waarde van die goederen; het totaal telt iedere "
                         "vergunning eenmaal.",
                         "The category is the first digit of the entry (3A001: category 3). A "
                         "licence with goods in several categories counts in each, with the "
                         "value of those goods; the total counts each licence once."),
    "note.national": ("De nationale maatregelen (geavanceerde halfgeleiderproductieapparatuur; "
                      "de aanvullende maatregelen voor halfgeleider-, kwantum- en additieve "
                      "productietechnologie, met de algemene vergunning NL900) vallen buiten "
                      "Verordening (EU) 2021/821 en daarmee buiten de dual-use tabellen.",
                      "The national measures (advanced semiconductor production equipment; the "
                      "additional controls on semiconductor, quantum and additive-manufacturing "
                      "goods, with general licence NL900) fall outside Regulation (EU) 2021/821 "
                      "and so outside the dual-use tables."),
    "note.consultations_share": ("Nederland is betrokken bij de consultaties die het startte en "
                                 "die het ontving. Het totaal van de EU is een gegeven van "
                                 "buiten het logboek, met zijn bron.",
                                 "The Netherlands takes part in the consultations it started "
                                 "and those it received. The EU's total is an input from "
                                 "outside the log, with its source."),
    "note.history_sources": ("Bronnen: {sources}.", "Sources: {sources}."),
    "source.event log": ("gebeurtenissenlogboek", "event log"),
    "note.top": ("De top vijf en de grafiek laten de verzamelbestemmingen (Diverse, "
                 "EU/NAVO+, Europese Unie) buiten beschouwing; aandelen zijn aandelen in de "
                 "totale waarde.",
                 "The top five and its chart leave out the collective destinations (Various, "
                 "EU/NATO+, European Union); shares are shares of the total value."),
    "note.general_licences": ("Een realisatie buiten de voorwaarden van de algemene vergunning "
                              "is gemarkeerd, met de reden.",
                              "A realisation outside the conditions of its general licence is "
                              "flagged, with the reason."),
    "note.history": ("De jaren vóór het gebeurtenissenlogboek zijn de gepubliceerde cijfers "
                     "(met hun bron); de jaren in het logboek worden daaruit berekend.",
                     "The years before the event log are the published figures (with their "
                     "source); the years the log holds are computed from it."),
    # Key figures
    "summary.applications": ("Behandelde aanvragen (vergunningen en sondages)",
                             "Applications decided (licences and sondages)"),
    "summary.approved": ("Afgegeven vergunningen", "Licences issued"),
    "summary.approved_nato_eu_plus": ("waarvan voor bestemmingen in EU/NAVO+",
                                      "of which for destinations in EU/NATO+"),
    "summary.denied": ("Afgewezen aanvragen", "Applications denied"),
    "summary.denial_rate_pct": ("Percentage afwijzingen", "Denial rate"),
    "summary.total_value_eur": ("Totale waarde afgegeven vergunningen",
                                "Total value of licences issued"),
    # Column headers
    "col.figure": ("Gegeven", "Figure"),
    "col.number": ("Aantal of waarde", "Number or value"),
    "col.count": ("Aantal", "Number"),
    "col.category": ("Categorie", "Category"),
    "col.description": ("Omschrijving", "Description"),
    "col.value": ("Waarde", "Value"),
    "col.destination": ("Land van bestemming", "Country of destination"),
    "col.origin": ("Land van herkomst", "Country of origin"),
    "col.region": ("Regio", "Region"),
    "col.share": ("Aandeel", "Share"),
    "col.rank": ("Plaats", "Rank"),
    "col.country": ("Land", "Country"),
    "col.goods": ("Omschrijving goederen", "Description of the goods"),
    "col.quantity": ("Aantal", "Quantity"),
    "col.recipient": ("Ontvanger", "Recipient"),
    "col.end_user": ("Eindgebruiker", "End user"),
    "col.date": ("Datum", "Date"),
    "col.criteria": ("Criteria", "Criteria"),
    "col.grounds": ("Gronden", "Grounds"),
    "col.procedure": ("Procedure", "Procedure"),
    "col.ratings": ("Rubricering", "Ratings"),
    "col.service_value": ("Waarde van de dienst", "Value of the service"),
    "col.licence": ("Algemene vergunning", "General licence"),
    "col.covers": ("Voor", "Covers"),
    "col.countries": ("Landen", "Countries"),
    "col.flagged_rows": ("Gemarkeerd", "Flagged"),
    "col.direction": ("Soort", "Kind"),
    "col.categories": ("Categorieën", "Categories"),
    "col.flagged": ("Buiten de voorwaarden", "Outside the conditions"),
    "col.licence_type": ("Soort vergunning", "Type of licence"),
    "col.issued": ("Afgegeven", "Issued"),
    "col.issued_value": ("Waarde afgegeven", "Value issued"),
    "col.denied": ("Afgewezen", "Denied"),
    "col.denied_value": ("Waarde afgewezen", "Value denied"),
    "col.realised_value": ("Waarde gerealiseerde uitvoer", "Value of realised exports"),
    "col.annex": ("Bijlage", "Annex"),
    "col.annex_i_category": ("Categorie van bijlage I", "Annex I category"),
    "col.measures": ("Regeling", "Measures"),
    "col.licences": ("Vergunningen", "Licences"),
    "col.destinations": ("Landen van bestemming", "Countries of destination"),
    "col.end_use": ("Eindgebruik", "End use"),
    "col.licence_number": ("Vergunningnummer", "Licence number"),
    "col.decided_on": ("Besluit", "Decided on"),
    "col.due_by": ("Melden uiterlijk", "Due by"),
    "col.sent_on": ("Verzonden", "Sent on"),
    "col.document": ("Soort document", "Kind of document"),
    "col.reference": ("Kenmerk", "Reference"),
    "col.licence_numbers": ("Vergunningnummers", "Licence numbers"),
    "col.explanation": ("Toelichting", "Explanation"),
    "col.investigations": ("Onderzoeken", "Investigations"),
    "col.started": ("Gestart", "Started"),
    "col.received": ("Ontvangen", "Received"),
    "col.netherlands": ("Met Nederland", "With the Netherlands"),
    "col.eu_total": ("In de EU", "In the EU"),
    "col.nl_share": ("Aandeel Nederland", "Share of the Netherlands"),
    "col.source": ("Bron van het EU-totaal", "Source of the EU total"),
    "col.consultations": ("Consultaties", "Consultations"),
    "col.year": ("Jaar", "Year"),
    "col.eu_nato_plus": ("waarvan EU/NAVO+", "of which EU/NATO+"),
    "col.other": ("waarvan overige bestemmingen", "of which other destinations"),
    "col.applications": ("Behandelde aanvragen", "Applications decided"),
    "col.denial_rate": ("Percentage afwijzingen", "Denial rate"),
    # Words for the data's codes
    "procedure.licence": ("vergunning", "licence"),
    "procedure.sondage": ("sondage", "sondage"),
    "direction.export": ("uitvoer", "export"),
    "direction.transfer": ("overbrenging", "transfer"),
    "direction.transit": ("doorvoer", "transit"),
    "du.individual": ("Individuele vergunning", "Individual licence"),
    "du.global": ("Globale vergunning", "Global licence"),
    "du.intra_eu": ("Overbrenging binnen de EU", "Intra-EU transfer"),
    "du.catch_all": ("Catch-all", "Catch-all"),
    "licence.NL003": ("overbrenging aan strijdkrachten", "transfer to armed forces"),
    "licence.NL004": ("overbrenging aan gecertificeerde ondernemingen",
                      "transfer to certified companies"),
    "licence.NL005": ("demonstratie, evaluatie en tentoonstelling",
                      "demonstration, evaluation and exhibition"),
    "licence.NL006": ("reparatie, onderhoud en revisie", "repair, maintenance and overhaul"),
    "licence.NL007": ("doorvoer van goederen afkomstig van bondgenoten",
                      "transit of goods coming from allies"),
    "licence.NL008": ("doorvoer met een bondgenoot als eindbestemming",
                      "transit with an ally as final destination"),
    "licence.NL009": ("uitvoer en doorvoer voor het F-35-programma",
                      "export and transit for the F-35 programme"),
    "regime.national": ("Nationale maatregelen", "National measures"),
    "document.fast_track_notice": ("Versnelde melding", "Fast-track notice"),
    "document.periodic_letter": ("Periodieke brief", "Periodic letter"),
    "document.defence_surplus_notice": ("Melding verkoop overtollig defensiematerieel",
                                        "Notice of a sale of surplus defence equipment"),
    "enforcement.referred": ("Doorverwezen voor onderzoek", "Referred for investigation"),
    "enforcement.concluded": ("Afgerond", "Concluded"),
    "enforcement.no_action": ("waarvan zonder maatregel", "of which without action"),
    "enforcement.warning": ("waarvan met een waarschuwing", "of which with a warning"),
    "enforcement.fine": ("waarvan met een boete", "of which with a fine"),
    "enforcement.prosecution": ("waarvan met strafvervolging", "of which with prosecution"),
    "enforcement.open_at_year_end": ("Aan het einde van het jaar nog lopend",
                                     "Still open at the end of the year"),
    "consultations.started": ("Door Nederland gestart", "Started by the Netherlands"),
    "consultations.received": ("Door Nederland ontvangen", "Received by the Netherlands"),
    # Charts
    "chart.by_category": ("Grafiek: waarde per ML-categorie", "Chart: value per ML category"),
    "chart.top": ("Grafiek: top vijf landen van bestemming, waarde en aandeel",
                  "Chart: top five countries of destination, value and share"),
    "chart.by_region": ("Grafiek: waarde en aandeel per regio",
                        "Chart: value and share per region"),
    "chart.history_value": ("Grafiek: waarde afgegeven vergunningen per jaar, EU/NAVO+ en overige "
                            "bestemmingen",
                            "Chart: value of licences issued per year, EU/NATO+ and other "
                            "destinations"),
    "chart.history_rate": ("Grafiek: percentage afwijzingen per jaar",
                           "Chart: denial rate per year"),
    "chart.du_destination": ("Grafiek: individuele vergunningen per land van bestemming, "
                             "aantal en waarde",
                             "Chart: individual licences per country of destination, number "
                             "and value"),
    "chart.du_destination_top": ("Grafiek: de {count} landen van bestemming met de meeste "
                                 "individuele vergunningen, aantal en waarde",
                                 "Chart: the {count} countries of destination with the most "
                                 "individual licences, number and value"),
    "chart.du_category": ("Grafiek: individuele vergunningen per categorie van bijlage I",
                          "Chart: individual licences per Annex I category"),
    "axis.millions": ("Waarde (mln €)", "Value (€ million)"),
    "axis.licences": ("Aantal vergunningen", "Number of licences"),
    "axis.annex_i_category": ("Categorie van bijlage I", "Annex I category"),
    "axis.category": ("ML-categorie", "ML category"),
    "axis.year": ("Jaar", "Year"),
    "axis.rate": ("Percentage afwijzingen", "Denial rate"),
    "legend.eu_nato_plus": ("EU/NAVO+", "EU/NATO+"),
    "legend.other": ("Overige bestemmingen", "Other destinations"),
    # Method
    "method": (
        "De waarde van een vergunning is de vergunningswaarde (het maximum dat onder de "
        "vergunning mag worden uitgevoerd), niet wat werkelijk is verscheept; een vergunning telt "
        "in het jaar van het besluit (tijd van Amsterdam). De waardetabellen tellen definitieve "
        "uitvoer en overbrenging; doorvoer en tussenhandel hebben eigen tabellen. Tijdelijke "
        "uitvoer en terugzending na reparatie blijven buiten de cijfers; een verlenging of "
        "vervanging telt alleen voor het bedrag waarmee zij de waarde van de vergunning die zij "
        "wijzigt verhoogt. Een vergunning voor één land staat onder dat land, een globale "
        "vergunning voor ontvangers in de EU onder 'Europese Unie', voor ontvangers in EU-, NAVO- "
        "en NAVO+-landen onder 'EU/NAVO+', een vergunning voor meerdere genoemde landen onder "
        "'Diverse'. De aantallen aanvragen omvatten alle in het jaar genomen besluiten over "
        "militaire aanvragen, sondages inbegrepen; het percentage afwijzingen is het aantal "
        "afwijzingen gedeeld door het aantal behandelde aanvragen. Percentages zijn berekend uit "
        "de exacte bedragen en afgerond op twee decimalen (de helft naar boven). De gerealiseerde "
        "dual-use uitvoer is de uitvoer onder vergunningen plus de realisaties onder algemene "
        "vergunningen.",
        "The value of a licence is its licence value (the most that may be exported under it), "
        "not what was shipped, and a licence is reported in the year of its decision (Amsterdam "
        "time). The value tables count definitive exports and transfers; transit and brokering "
        "have tables of their own. Temporary exports and returns after repair are left out; an "
        "extension or replacement counts only for the amount by which it raises the value of the "
        "licence it amends. A licence to one country is shown under that country, a global "
        "licence to recipients in the EU under 'European Union', to recipients in EU, NATO and "
        "NATO+ countries under 'EU/NATO+', a licence to several named countries under 'Various'. "
        "Application counts include every military application decided in the year, sondages "
        "included; the denial rate is the number denied divided by the number decided. "
        "Percentages are computed from exact amounts and rounded half up to two decimals. "
        "Realised dual-use exports are shipments under licences plus general-licence "
        "realisations."),
}
