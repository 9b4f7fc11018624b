import datetime

import factory
from django.utils import timezone

from tests.accounts.factories import ProgrammaticUserFactory
from tokens import crypto
from tokens.models import ApiToken


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """A stored token; the instance carries its plaintext as `.plaintext` (tests only)."""

    class Meta:
        model = ApiToken

    user = factory.SubFactory(ProgrammaticUserFactory)
    name = factory.Sequence(lambda n: f"token{n}")
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=30))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        plaintext = crypto.generate()
        kwargs.setdefault("digest", crypto.digest(plaintext))
        kwargs.setdefault("hint", crypto.parse(plaintext).hint)
        token = super()._create(model_class, *args, **kwargs)
        token.plaintext = plaintext
        return token


def bearer(client, plaintext: str):
    """`client` sending `Authorization: Bearer <plaintext>` on every request."""
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client
