from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import services
from accounts.forms import NewPasswordForm, ProfileForm


@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.save_profile(form=form)
        messages.success(request, "Your details have been saved")
        return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form})


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's reset confirmation, which also ends a lockout: five wrong
    passwords lock an address for 30 minutes, and the owner proving they
    hold its inbox is what lets them back in sooner."""

    form_class = NewPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.clear_sign_in_lockout(user=form.user)
        return response
