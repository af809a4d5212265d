"""Beats: the controlled vocabulary of what a story, and a profile entry, is about.

A newsroom's desks split its output by beat; a region profile tags every institution and law
with the beats it serves, and the entry selection (`localize.regions._select`) reads a story
against each beat's description to find which beats the story is on. The descriptions say
what a beat covers in general terms (its subjects, the kinds of events it reports), written
from what the beat is, not from any one story.

A profile may add beats of its own, or give a built-in beat an audience line, through its
``beats`` field (see `localize.regions._profiles.BeatNote`).
"""

from __future__ import annotations

from types import MappingProxyType

__all__ = ["BEATS", "GENERAL"]

# Entries on no particular beat: a government, a parliament. The fallback of every story.
GENERAL = "general"

BEATS: MappingProxyType[str, str] = MappingProxyType(
    {
        GENERAL: "Government and public policy in general: the government, ministers, "
        "parliament, official statistics, national strategy.",
        "health": "Health and medicines: public health, diseases, infections, outbreaks, "
        "epidemics, vaccines, vaccination, drugs, medicines, medical devices, hospitals, "
        "patients, doctors, nurses, clinical trials, pharmaceutical companies, health care.",
        "food": "Food safety and standards: food and drink products, labelling, labels, "
        "allergens, hygiene, contamination, recalls, additives, nutrition, dairy, meat, "
        "restaurants, supermarkets, food fraud.",
        "agriculture": "Agriculture and animal health: farming, farmers, farms, crops, "
        "harvests, livestock, poultry, cattle, pigs, animal diseases, veterinary medicine, "
        "plant pests, fisheries, rural land.",
        "environment": "Environment and water: pollution, climate change, emissions, "
        "chemicals, hazardous substances, spills, waste, rivers, drinking water, sewage, "
        "flooding, wildlife, nature, conservation, weather.",
        "energy": "Energy: electricity, gas, oil, power grids, power stations, nuclear power, "
        "renewable energy, wind, solar, batteries, energy prices and bills, fuel.",
        "transport": "Transport: railways, trains, rail freight, aviation, airlines, "
        "airports, aircraft, drones, airspace, roads, vehicles, cars, driving, shipping, "
        "ports, ships, maritime safety, accidents and their investigation.",
        "economy": "Economy, central bank, markets and financial regulation: interest rates, "
        "inflation, currency, stock markets, shares, bonds, investors, banks, lending, "
        "cryptocurrency, payments, insurance, pensions, public finances, taxes, growth, "
        "recession.",
        "trade": "Trade and industry: imports, exports, tariffs, sanctions, customs, export "
        "controls, dual-use goods, industrial policy, subsidies, manufacturing, "
        "semiconductors, supply chains.",
        "competition": "Competition and consumers: mergers, acquisitions, takeovers, "
        "monopolies, market dominance, cartels, prices, consumer rights, product safety, "
        "advertising, unfair terms, refunds, digital platforms.",
        "telecoms": "Telecoms, media and online safety: broadband, mobile networks, "
        "spectrum, broadcasting, television, radio, social media, apps, video sharing, "
        "online harms, children online, illegal content, content moderation.",
        "data": "Data protection and privacy: personal data, privacy, surveillance, data "
        "breaches, consent, data transfers, tracking, biometrics, facial recognition, "
        "freedom of information.",
        "cyber": "Cyber security: cybersecurity, hacking, hackers, cyber attacks, cyberattacks, "
        "ransomware, malware, vulnerabilities, security flaws, software updates, IT systems "
        "and outages, computers, critical infrastructure, cybercrime, national security, "
        "espionage.",
        "employment": "Employment and workplaces: jobs, workers, employers, wages, minimum "
        "wage, trade unions, strikes, layoffs, redundancies, workplace safety, health and "
        "safety at work, discrimination at work.",
        "justice": "Justice and policing: crime, police, arrests, investigations, courts, "
        "trials, prosecutions, judges, prisons, sentencing, fraud, terrorism, human rights.",
        "education": "Education: schools, pupils, teachers, exams, qualifications, "
        "universities, students, tuition fees, childcare, skills, apprenticeships.",
        "elections": "Elections and democracy: voting, voters, ballots, election campaigns, "
        "candidates, political parties, campaign finance, political advertising, "
        "disinformation, referendums.",
        "science": "Science, research and technology: research funding, grants, scientists, "
        "laboratories, space, artificial intelligence, new technology, innovation, "
        "technical standards, measurement.",
    }
)
