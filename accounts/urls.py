from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import views
from accounts.forms import ChangePasswordForm, LoginForm, PasswordResetRequestForm

# The email's own context: it is rendered without a request.
_EMAIL_CONTEXT = {"service_name": settings.SERVICE_NAME}

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="accounts/login.html", authentication_form=LoginForm,
                                     redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            form_class=PasswordResetRequestForm, template_name="accounts/password_reset_form.html",
            email_template_name="emails/password_reset.txt", html_email_template_name="emails/password_reset.html",
            subject_template_name="emails/password_reset_subject.txt", extra_email_context=_EMAIL_CONTEXT,
            success_url=reverse_lazy("password_reset_done"),
        ),
        name="password_reset",
    ),
    path("password/reset/sent/",
         auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
         name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("password/reset/complete/",
         auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
         name="password_reset_complete"),
    path("password/change/",
         auth_views.PasswordChangeView.as_view(
             form_class=ChangePasswordForm, template_name="accounts/password_change_form.html",
             success_url=reverse_lazy("password_change_done"),
         ),
         name="password_change"),
    path("password/change/done/",
         auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html"),
         name="password_change_done"),
]
