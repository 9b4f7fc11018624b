"""The user's baseline: DRF's TokenAuthentication in a separate, minimal Django project.

What someone comparing products would measure: `django-admin startproject`'s settings (Django's
default middleware and apps), DRF and its `authtoken`, the same trivial `me` view the product's
in-process baseline serves, on its own database, behind the same gunicorn. It shares nothing
with the product but the database server and the database connection settings (persistent,
health-checked connections, as the product's).
"""
