from django.urls import path

app_name = "organisations"

# The organisation admin area (being written).
urlpatterns: list = []
