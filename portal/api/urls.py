from django.urls import path
from rest_framework.routers import DefaultRouter

from .tasks import TaskListView
from .views import ApiRootView, AuditEventViewSet

router = DefaultRouter()
router.APIRootView = ApiRootView  # declares its roles like every other API view
router.register("audit-events", AuditEventViewSet, basename="audit-event")
urlpatterns = [
    path("tasks/", TaskListView.as_view(), name="api-task-list"),
    *router.urls,
]
