"""Hand-written article text for tests (written for newsclean; not copied from any site)."""

from __future__ import annotations

import random

STORY_SENTENCES = [
    "The city council voted on Tuesday to close the Elm Street bridge for repairs.",
    "Engineers found corrosion in two of the steel beams during a routine inspection last month.",
    "The closure is expected to last until the end of March, officials said.",
    "Commuters will be directed to a detour along River Road, adding about ten minutes to trips.",
    "Local shop owners said they worry the detour will keep customers away during the winter.",
    "The repairs are estimated to cost $4.2 million, paid from the state infrastructure fund.",
    "Mayor Dana Ortiz said the decision was difficult but necessary for public safety.",
    "A spokesperson for the transit authority said bus routes 12 and 14 would be rerouted.",
    "Residents packed the meeting hall, and several spoke against the length of the closure.",
    "The bridge, built in 1958, carries about 18,000 vehicles a day according to traffic counts.",
    "Researchers at the university published the results of a ten-year study of river otters.",
    "The team counted otter families along forty kilometres of the northern riverbank.",
    "Numbers rose steadily after a ban on industrial discharge came into force in 2015.",
    '"We did not expect the recovery to be this fast," said the study\'s lead author.',
    "The findings were welcomed by conservation groups, who had campaigned for the ban.",
    "Farmers in the valley have reported an unusually early harvest after a warm spring.",
    "Wheat prices fell by three percent on the regional exchange on Friday.",
    "The national weather service expects more rain in the second half of the week.",
]

HEADLINES = [
    "Council votes to close Elm Street bridge for three months",
    "River otters return to the northern valley, study finds",
    "Warm spring brings early harvest for valley farmers",
    "Transit authority announces new bus routes for the winter",
]

BOILERPLATE_LINES = [
    "Sign up for our morning newsletter and get the day's top stories in your inbox.",
    "By signing up you agree to our terms of use and privacy policy.",
    "Read more:",
    "Share this article",
    "Follow us on social media",
    "Advertisement",
    "© 2024 The Valley Courier. All rights reserved.",
    "We use cookies to improve your experience. Accept all cookies",
    "Support independent journalism: become a member today.",
    "Download our app for breaking news alerts",
    "Give now",
    "Monthly",
    "Subscribe",
    "Related stories",
    "Click here to subscribe to our weekly digest",
    "Comments are closed.",
]


def make_article(
    rng: random.Random, *, n_story: int = 6, with_boilerplate: bool = True
) -> tuple[list[str], list[str]]:
    """One article as (paragraphs, labels): headline, story, and boilerplate around it."""
    paragraphs = [rng.choice(HEADLINES)]
    labels = ["editorial"]
    for _ in range(n_story):
        paragraphs.append(" ".join(rng.sample(STORY_SENTENCES, rng.randint(1, 3))))
        labels.append("editorial")
    if with_boilerplate:
        # Not every article has a header line or a footer block, so a model cannot learn that
        # the first or last paragraph is always boilerplate.
        head = rng.sample(BOILERPLATE_LINES, 1) if rng.random() < 0.6 else []
        tail = rng.sample(BOILERPLATE_LINES, rng.randint(2, 4)) if rng.random() < 0.7 else []
        paragraphs = head + paragraphs + tail
        labels = ["boilerplate"] * len(head) + labels + ["boilerplate"] * len(tail)
    return paragraphs, labels


def make_corpus(n_articles: int = 60, seed: int = 0):
    """A paragraph table with a label and a domain per row (columns of the training format)."""
    import pandas as pd

    rng = random.Random(seed)
    rows = []
    for a in range(n_articles):
        paragraphs, labels = make_article(rng)
        domain = f"site{a % 6}.example"
        for pos, (text, label) in enumerate(zip(paragraphs, labels)):
            rows.append(
                {
                    "article_id": f"a{a}",
                    "position": pos,
                    "text": text,
                    "label": label,
                    "domain": domain,
                }
            )
    return pd.DataFrame(rows)
